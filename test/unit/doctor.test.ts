import { describe, expect, it } from 'vitest';
import {
  checkCaller,
  checkClock,
  checkKeyAge,
  checkMfaDevice,
  checkTrustPolicy,
  checkUserPermissions,
  doctorExitStatus,
  isAssumeOnly,
  trustProblem,
} from '../../src/core/doctor.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const trust = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const allow = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'sts:AssumeRole' };

describe('doctor checks', () => {
  it('trust policies: only Bool aws:MultiFactorAuthPresent=true (or an MFA age limit) on every Allow counts', () => {
    expect(
      trustProblem(trust([{ ...allow, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }])),
    ).toBeUndefined();
    expect(
      trustProblem(trust({ ...allow, Condition: { bool: { 'AWS:MultiFactorAuthPresent': true } } })),
    ).toBeUndefined();
    expect(
      trustProblem(trust([{ ...allow, Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } }])),
    ).toBeUndefined();
    // BoolIfExists passes when the key is absent, i.e. for long-lived keys without MFA.
    expect(
      trustProblem(trust([{ ...allow, Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } } }])),
    ).toMatch(/without MFA/);
    expect(trustProblem(trust([allow]))).toMatch(/without MFA/);
    // One open statement next to a guarded one is enough to be open.
    expect(
      trustProblem(
        trust([
          { ...allow, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
          { ...allow, Action: 'sts:*' },
        ]),
      ),
    ).toMatch(/without MFA/);
    expect(trustProblem(trust([{ ...allow, Action: 'sts:AssumeRoleWithSAML' }]))).toBe(
      'the trust policy allows no sts:AssumeRole',
    );
    expect(trustProblem('not json')).toBe('the trust policy is not valid JSON');
  });

  it('a role that does not exist fails; one that may not be read is skipped', () => {
    expect(checkTrustPolicy('arn:aws:iam::1:role/x', { value: undefined }).status).toBe('fail');
    expect(checkTrustPolicy('arn:aws:iam::1:role/x', { denied: true })).toMatchObject({
      status: 'skipped',
      message: 'could not run: not allowed to read the role',
    });
    expect(checkTrustPolicy('arn:aws:iam::1:role/path/x', { value: trust([allow]) })).toMatchObject({
      check: 'role trust role/path/x',
      status: 'fail',
    });
  });

  it('user policies: anything beyond sts:AssumeRole fails, groups warn', () => {
    expect(
      isAssumeOnly(
        trust([
          { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: '*' },
          { Effect: 'Deny', Action: '*', Resource: '*' },
        ]),
      ),
    ).toBe(true);
    expect(isAssumeOnly(trust([{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }]))).toBe(false);
    expect(isAssumeOnly(trust([{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }]))).toBe(false);
    const only = trust([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::1:role/x' }]);
    expect(
      checkUserPermissions('u', { value: { inline: [{ name: 'p', document: only }], attached: [], groups: [] } })
        .status,
    ).toBe('ok');
    const attached = checkUserPermissions('u', {
      value: { inline: [], attached: ['arn:aws:iam::aws:policy/AdministratorAccess'], groups: [] },
    });
    expect(attached).toMatchObject({
      status: 'fail',
      message: 'user u may do more than sts:AssumeRole: attached policy arn:aws:iam::aws:policy/AdministratorAccess',
    });
    expect(attached.fix).toContain(
      'aws iam detach-user-policy --user-name u --policy-arn arn:aws:iam::aws:policy/AdministratorAccess',
    );
    expect(checkUserPermissions('u', { value: { inline: [], attached: [], groups: ['devs'] } }).status).toBe('warn');
    expect(checkUserPermissions('u', { denied: true }).status).toBe('skipped');
    expect(checkUserPermissions(undefined, undefined).status).toBe('skipped');
  });

  it('key age: IAM CreateDate first, else the storage date; over 90 days warns to rotate', () => {
    expect(checkKeyAge('p', daysAgo(91).toISOString(), undefined, NOW)).toMatchObject({
      status: 'warn',
      message: 'the key was stored 91 days ago (over 90)',
      fix: 'run `mfa-exec rotate p`',
    });
    // Time in the store is not the key's age: without IAM's date a young-looking key is unproven.
    expect(checkKeyAge('p', daysAgo(90).toISOString(), undefined, NOW).status).toBe('skipped');
    expect(checkKeyAge('p', daysAgo(1).toISOString(), daysAgo(90), NOW).status).toBe('ok');
    expect(checkKeyAge('p', daysAgo(1).toISOString(), daysAgo(200), NOW)).toMatchObject({
      status: 'warn',
      message: 'the key was created 200 days ago (over 90)',
    });
    expect(checkKeyAge('p', undefined, undefined, NOW).status).toBe('skipped');
    expect(checkKeyAge('p', 'garbage', undefined, NOW).status).toBe('skipped');
  });

  it('clock: more than 30 s either way fails; no answer skips', () => {
    expect(checkClock(NOW, { date: new Date(NOW.getTime() - 30_000) })).toMatchObject({
      status: 'ok',
      message: 'the local clock is 30 s ahead of STS',
    });
    expect(checkClock(NOW, { date: new Date(NOW.getTime() + 31_000) })).toMatchObject({ status: 'fail' });
    expect(checkClock(NOW, { date: NOW }).message).toBe('the local clock is in step with STS');
    expect(checkClock(NOW, { error: 'cannot reach x' }).status).toBe('skipped');
  });

  it("mfa device: must be one of the user's; a role profile without mfa_serial warns", () => {
    const serial = 'arn:aws:iam::1:mfa/u';
    expect(checkMfaDevice(serial, true, 'u', { value: [serial] }).status).toBe('ok');
    expect(checkMfaDevice(serial, true, 'u', { value: ['arn:aws:iam::1:mfa/other'] })).toMatchObject({
      status: 'fail',
      fix: 'set mfa_serial = arn:aws:iam::1:mfa/other',
    });
    expect(checkMfaDevice(serial, true, 'u', { value: [] }).message).toContain('(it has none)');
    expect(checkMfaDevice(undefined, true, 'u', undefined).status).toBe('warn');
    expect(checkMfaDevice(undefined, false, 'u', undefined).status).toBe('ok');
    expect(checkMfaDevice(serial, true, 'u', { denied: true }).status).toBe('skipped');
  });

  it('the key check tells a refused key from an unreachable STS', () => {
    expect(checkCaller('b', { value: { arn: 'arn:aws:iam::1:user/u' } }).status).toBe('ok');
    expect(checkCaller('b', { value: { arn: 'arn:aws:sts::1:assumed-role/r/s' } }).status).toBe('warn');
    expect(checkCaller('b', { error: 'InvalidClientTokenId: bad' }).fix).toBe(
      'store a working key with `mfa-exec add b`',
    );
    expect(checkCaller('b', { error: 'cannot reach STS' }).fix).toBe('check the network and the STS endpoint setting');
  });

  it('exit status 0 only when every check ran and passed: a check that could not run fails', () => {
    expect(
      doctorExitStatus([
        { check: 'a', status: 'warn', message: '' },
        { check: 'b', status: 'ok', message: '' },
      ]),
    ).toBe(0);
    expect(
      doctorExitStatus([
        { check: 'a', status: 'warn', message: '' },
        { check: 'b', status: 'skipped', message: '' },
      ]),
    ).toBe(1);
    expect(
      doctorExitStatus([
        { check: 'a', status: 'ok', message: '' },
        { check: 'b', status: 'fail', message: '' },
      ]),
    ).toBe(1);
  });
});

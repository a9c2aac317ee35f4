import { describe, expect, it } from 'vitest';
import type { ChainBase } from '../../src/core/config.js';
import {
  checkBase,
  checkCaller,
  checkClock,
  checkConfig,
  checkKeyAge,
  checkKeyNotInFile,
  checkMfaDevice,
  checkStoredKey,
  checkTrustPolicy,
  checkUserPermissions,
  describeBase,
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

describe('doctor checks: config, stored key, credentials file', () => {
  it('config: a parse error fails with its hint as the fix; a good chain is shown as resolved', () => {
    expect(checkConfig('dev', { message: 'bad line 3', hint: 'fix ~/.aws/config' }, undefined)).toEqual({
      check: 'config',
      status: 'fail',
      message: 'bad line 3',
      fix: 'fix ~/.aws/config',
    });
    // No hint, no fix (not even an undefined one).
    expect(checkConfig('dev', { message: 'bad line 3' }, 'ignored')).toStrictEqual({
      check: 'config',
      status: 'fail',
      message: 'bad line 3',
    });
    expect(checkConfig('dev', undefined, 'base (stored key) → arn:aws:iam::1:role/r')).toEqual({
      check: 'config',
      status: 'ok',
      message: 'profile "dev" resolves: base (stored key) → arn:aws:iam::1:role/r',
    });
    expect(checkConfig('dev', undefined, undefined).message).toBe('profile "dev" resolves: dev');
  });

  it('stored key: missing fails with add or import --scrub as the fix', () => {
    expect(checkStoredKey('base', true, 'keychain')).toEqual({
      check: 'stored key',
      status: 'ok',
      message: 'the key of "base" is in the keychain',
    });
    expect(checkStoredKey('base', false, 'keychain')).toEqual({
      check: 'stored key',
      status: 'fail',
      message: 'no key is stored for "base"',
      fix: 'run `mfa-exec add base`, or `mfa-exec import base --scrub` to move it from the credentials file',
    });
  });

  it('credentials file: a whole key left in plain text fails with import --scrub; half a key with a manual fix', () => {
    expect(checkKeyNotInFile('base', false, '~/.aws/credentials')).toEqual({
      check: 'credentials file',
      status: 'ok',
      message: 'no key for "base" in ~/.aws/credentials',
    });
    const whole = {
      check: 'credentials file',
      status: 'fail',
      message: 'a key for "base" is still in ~/.aws/credentials in plain text',
      fix: 'run `mfa-exec import base --scrub`',
    };
    expect(checkKeyNotInFile('base', true, '~/.aws/credentials')).toEqual(whole);
    expect(checkKeyNotInFile('base', true, '~/.aws/credentials', true)).toEqual(whole);
    expect(checkKeyNotInFile('base', true, '~/.aws/credentials', false)).toEqual({
      check: 'credentials file',
      status: 'fail',
      message: '[base] in ~/.aws/credentials holds half a key (aws_access_key_id or aws_secret_access_key alone)',
      fix: 'delete that line of [base] by hand (import needs both lines), and store the whole key with `mfa-exec add base`',
    });
  });
});

describe('doctor checks: exact results of the AWS checks', () => {
  it('key age: the stored-only date is not proof, whatever its age up to 90 days', () => {
    const fix = 'let doctor read IAM (iam:ListAccessKeys), e.g. with the cached role credentials of a profile that may';
    expect(checkKeyAge('p', daysAgo(1).toISOString(), undefined, NOW)).toEqual({
      check: 'key age',
      status: 'skipped',
      message: "IAM's creation date of the key could not be read (it was stored 1 day ago)",
      fix,
    });
    expect(checkKeyAge('p', daysAgo(2).toISOString(), undefined, NOW).message).toBe(
      "IAM's creation date of the key could not be read (it was stored 2 days ago)",
    );
    expect(checkKeyAge('p', undefined, undefined, NOW)).toEqual({
      check: 'key age',
      status: 'skipped',
      message: 'the key has no creation or storage date',
    });
    // IAM's date wins over the storage date, both ways.
    expect(checkKeyAge('p', daysAgo(300).toISOString(), daysAgo(1), NOW)).toEqual({
      check: 'key age',
      status: 'ok',
      message: 'the key was created 1 day ago',
    });
    expect(checkKeyAge('p', undefined, daysAgo(90), NOW).message).toBe('the key was created 90 days ago');
    expect(checkKeyAge('p', undefined, daysAgo(0), NOW).message).toBe('the key was created 0 days ago');
    expect(checkKeyAge('p', undefined, daysAgo(91), NOW)).toEqual({
      check: 'key age',
      status: 'warn',
      message: 'the key was created 91 days ago (over 90)',
      fix: 'run `mfa-exec rotate p`',
    });
  });

  it('key works: ok for an IAM user, a warning for anything else, a fail with the right fix when refused', () => {
    expect(checkCaller('b', { value: { arn: 'arn:aws:iam::1:user/path/u' } })).toEqual({
      check: 'key works',
      status: 'ok',
      message: 'the key belongs to arn:aws:iam::1:user/path/u',
    });
    expect(checkCaller('b', { value: { arn: 'arn:aws:iam::1:root' } })).toEqual({
      check: 'key works',
      status: 'warn',
      message: 'the key belongs to arn:aws:iam::1:root, not an IAM user',
      fix: "store an IAM user's access key with `mfa-exec add b`",
    });
    expect(checkCaller('b', { denied: true })).toEqual({
      check: 'key works',
      status: 'fail',
      message: 'AWS refused the stored key',
      fix: 'store a working key with `mfa-exec add b`',
    });
    expect(checkCaller('b', { error: 'SignatureDoesNotMatch: wrong secret' })).toEqual({
      check: 'key works',
      status: 'fail',
      message: 'SignatureDoesNotMatch: wrong secret',
      fix: 'store a working key with `mfa-exec add b`',
    });
    expect(checkCaller('b', { error: 'cannot reach STS' })).toEqual({
      check: 'key works',
      status: 'fail',
      message: 'cannot reach STS',
      fix: 'check the network and the STS endpoint setting',
    });
  });

  it('clock: says which way it is off, and fails past 30 s with the NTP fix', () => {
    expect(checkClock(NOW, { date: new Date(NOW.getTime() + 30_000) })).toEqual({
      check: 'clock',
      status: 'ok',
      message: 'the local clock is 30 s behind STS',
    });
    expect(checkClock(NOW, { date: new Date(NOW.getTime() + 31_000) })).toEqual({
      check: 'clock',
      status: 'fail',
      message: 'the local clock is 31 s behind STS: MFA codes and request signatures fail',
      fix: 'synchronise the clock (e.g. enable NTP: `timedatectl set-ntp true`)',
    });
    expect(checkClock(NOW, { date: new Date(NOW.getTime() - 45_000) }).message).toBe(
      'the local clock is 45 s ahead of STS: MFA codes and request signatures fail',
    );
    // The Date header has whole seconds: half a second off is in step.
    expect(checkClock(NOW, { date: new Date(NOW.getTime() - 400) }).message).toBe(
      'the local clock is in step with STS',
    );
    expect(checkClock(NOW, { error: 'cannot reach sts.amazonaws.com' })).toEqual({
      check: 'clock',
      status: 'skipped',
      message: 'cannot reach sts.amazonaws.com',
    });
  });

  it('mfa device: skipped unless the user and its devices are known; the fix names the one device there is', () => {
    const serial = 'arn:aws:iam::1:mfa/u';
    expect(checkMfaDevice(undefined, true, 'u', undefined)).toEqual({
      check: 'mfa device',
      status: 'warn',
      message: 'the profile has no mfa_serial: a role that requires MFA cannot be assumed',
      fix: 'add mfa_serial = <the device ARN> to the profile',
    });
    expect(checkMfaDevice(undefined, false, undefined, undefined)).toEqual({
      check: 'mfa device',
      status: 'ok',
      message: 'the profile has no mfa_serial and no role: no device to check',
    });
    const unknown = { check: 'mfa device', status: 'skipped', message: "the key's user is not known" };
    expect(checkMfaDevice(serial, true, undefined, undefined)).toEqual(unknown);
    expect(checkMfaDevice(serial, true, undefined, { value: [serial] })).toEqual(unknown);
    expect(checkMfaDevice(serial, true, 'u', undefined)).toEqual(unknown);
    expect(checkMfaDevice(serial, true, 'u', { denied: true })).toEqual({
      check: 'mfa device',
      status: 'skipped',
      message: "skipped: not allowed to read the user's MFA devices",
    });
    expect(checkMfaDevice(serial, true, 'u', { error: 'NoSuchEntity: no user u' })).toEqual({
      check: 'mfa device',
      status: 'skipped',
      message: 'NoSuchEntity: no user u',
    });
    expect(checkMfaDevice(serial, false, 'u', { value: ['arn:aws:iam::1:mfa/a', serial] })).toEqual({
      check: 'mfa device',
      status: 'ok',
      message: 'arn:aws:iam::1:mfa/u is assigned to user u',
    });
    expect(checkMfaDevice(serial, true, 'u', { value: ['arn:aws:iam::1:mfa/a', 'arn:aws:iam::1:mfa/b'] })).toEqual({
      check: 'mfa device',
      status: 'fail',
      message:
        'arn:aws:iam::1:mfa/u is not an MFA device of user u (its devices: arn:aws:iam::1:mfa/a, arn:aws:iam::1:mfa/b)',
      fix: 'assign the device to the user, or fix mfa_serial in the profile',
    });
    expect(checkMfaDevice(serial, true, 'u', { value: [] })).toEqual({
      check: 'mfa device',
      status: 'fail',
      message: 'arn:aws:iam::1:mfa/u is not an MFA device of user u (it has none)',
      fix: 'assign the device to the user, or fix mfa_serial in the profile',
    });
  });

  it('role trust: each outcome with its fix', () => {
    const role = 'arn:aws:iam::1:role/ops/Admin';
    const check = 'role trust role/ops/Admin';
    const readFix = 'doctor must read the role to prove this: give it credentials that may call iam:GetRole';
    expect(checkTrustPolicy(role, { denied: true })).toEqual({
      check,
      status: 'skipped',
      message: 'could not run: not allowed to read the role',
      fix: readFix,
    });
    expect(checkTrustPolicy(role, { error: 'no stored key to read the role with' })).toEqual({
      check,
      status: 'skipped',
      message: 'could not run: no stored key to read the role with',
      fix: readFix,
    });
    expect(checkTrustPolicy(role, { value: undefined })).toEqual({
      check,
      status: 'fail',
      message: 'the role arn:aws:iam::1:role/ops/Admin does not exist',
      fix: 'create it (`mfa-exec setup`) or fix role_arn',
    });
    expect(checkTrustPolicy(role, { value: trust([allow]) })).toEqual({
      check,
      status: 'fail',
      message:
        'the trust policy allows sts:AssumeRole without MFA (no Bool aws:MultiFactorAuthPresent = true condition)',
      fix: 'add "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}} to its Allow statement (`aws iam update-assume-role-policy --role-name Admin`)',
    });
    expect(checkTrustPolicy(role, { value: 'not json' }).message).toBe('the trust policy is not valid JSON');
    expect(
      checkTrustPolicy(role, {
        value: trust([{ ...allow, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }]),
      }),
    ).toEqual({ check, status: 'ok', message: 'the trust policy requires MFA' });
  });

  it('user permissions: each outcome with its exact message and fix', () => {
    const check = 'user permissions';
    const readFix = "doctor must read the user's policies to prove this (iam:ListUserPolicies and related reads)";
    const only = trust({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    const wide = trust({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
    const noUser = { check, status: 'skipped', message: "could not run: the key's user is not known", fix: readFix };
    expect(checkUserPermissions(undefined, undefined)).toEqual(noUser);
    expect(checkUserPermissions(undefined, { value: { inline: [], attached: [], groups: [] } })).toEqual(noUser);
    expect(checkUserPermissions('u', undefined)).toEqual(noUser);
    expect(checkUserPermissions('u', { denied: true })).toEqual({
      check,
      status: 'skipped',
      message: "could not run: not allowed to read the user's policies",
      fix: readFix,
    });
    expect(checkUserPermissions('u', { error: 'Throttling: slow down' })).toEqual({
      check,
      status: 'skipped',
      message: 'could not run: Throttling: slow down',
      fix: readFix,
    });
    expect(
      checkUserPermissions('u', {
        value: {
          inline: [
            { name: 'assume', document: only },
            { name: 's3', document: wide },
          ],
          attached: ['arn:aws:iam::1:policy/A', 'arn:aws:iam::1:policy/B'],
          groups: ['devs'],
        },
      }),
    ).toEqual({
      check,
      status: 'fail',
      message:
        'user u may do more than sts:AssumeRole: inline policy s3, attached policy arn:aws:iam::1:policy/A, attached policy arn:aws:iam::1:policy/B',
      fix:
        'remove them: aws iam delete-user-policy --user-name u --policy-name s3; ' +
        'aws iam detach-user-policy --user-name u --policy-arn arn:aws:iam::1:policy/A; ' +
        'aws iam detach-user-policy --user-name u --policy-arn arn:aws:iam::1:policy/B',
    });
    expect(
      checkUserPermissions('u', { value: { inline: [{ name: 's3', document: wide }], attached: [], groups: [] } }),
    ).toMatchObject({ status: 'fail', message: 'user u may do more than sts:AssumeRole: inline policy s3' });
    expect(checkUserPermissions('u', { value: { inline: [], attached: [], groups: ['devs'] } })).toEqual({
      check,
      status: 'warn',
      message: 'user u is in group devs, whose policies apply too',
      fix: 'remove the user from them: aws iam remove-user-from-group --user-name u --group-name devs',
    });
    expect(checkUserPermissions('u', { value: { inline: [], attached: [], groups: ['a', 'b'] } })).toEqual({
      check,
      status: 'warn',
      message: 'user u is in groups a, b, whose policies apply too',
      fix:
        'remove the user from them: aws iam remove-user-from-group --user-name u --group-name a; ' +
        'aws iam remove-user-from-group --user-name u --group-name b',
    });
    expect(
      checkUserPermissions('u', { value: { inline: [{ name: 'assume', document: only }], attached: [], groups: [] } }),
    ).toEqual({ check, status: 'ok', message: 'user u may only call sts:AssumeRole' });
  });
});

describe('doctor: reading policy documents', () => {
  const guarded = { ...allow, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } };
  const open = /without MFA/;

  it('trust policies: only Allows of sts:AssumeRole (by IAM wildcards, literally otherwise) must be guarded', () => {
    // A Deny, or an Allow of another action, needs no MFA condition.
    expect(trustProblem(trust([guarded, { ...allow, Effect: 'Deny' }]))).toBeUndefined();
    expect(trustProblem(trust([guarded, { ...allow, Action: 'sts:TagSession' }]))).toBeUndefined();
    // One action of a list is enough to make the statement an Allow of sts:AssumeRole.
    expect(trustProblem(trust([{ ...allow, Action: ['sts:TagSession', 'sts:AssumeRole'] }]))).toMatch(open);
    expect(trustProblem(trust([{ ...allow, Action: 'STS:Assume?ole' }]))).toMatch(open);
    // Regex characters in an action are literal.
    expect(trustProblem(trust([{ ...allow, Action: 'sts:AssumeRole+' }]))).toBe(
      'the trust policy allows no sts:AssumeRole',
    );
    expect(trustProblem(trust([{ ...allow, Action: 'sts:Assume(Role)' }]))).toBe(
      'the trust policy allows no sts:AssumeRole',
    );
    // A document without statements allows nothing.
    expect(trustProblem('{"Version":"2012-10-17"}')).toBe('the trust policy allows no sts:AssumeRole');
    expect(trustProblem('{"Statement":null}')).toBe('the trust policy allows no sts:AssumeRole');
  });

  it('trust policies: the MFA condition counts next to other conditions, and only when it says true', () => {
    expect(
      trustProblem(
        trust({
          ...allow,
          Condition: {
            StringEquals: { 'sts:ExternalId': 'x' },
            Bool: { 'aws:SecureTransport': 'true', 'aws:MultiFactorAuthPresent': 'true' },
          },
        }),
      ),
    ).toBeUndefined();
    expect(
      trustProblem(trust({ ...allow, Condition: { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': 3600 } } })),
    ).toBeUndefined();
    for (const condition of [
      { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
      { Bool: { 'aws:MultiFactorAuthPresent': ['true', 'false'] } },
      { Bool: { 'aws:MultiFactorAuthPresent': [] } },
      { Bool: { 'aws:SecureTransport': 'true' } },
      { StringEquals: { 'aws:MultiFactorAuthPresent': 'true' } },
      { NumericGreaterThan: { 'aws:MultiFactorAuthAge': '3600' } },
      { NumericLessThan: { 'aws:TokenIssueTime': '3600' } },
      // Malformed blocks count as no condition, without a crash.
      { Bool: 'true' },
      { Bool: null },
      'aws:MultiFactorAuthPresent',
    ]) {
      expect(trustProblem(trust({ ...allow, Condition: condition })), JSON.stringify(condition)).toMatch(open);
    }
  });

  it('user policies: assume-only means every Allow has actions and they are all sts:AssumeRole', () => {
    const only = (statement: object | object[]) => isAssumeOnly(trust(statement));
    expect(only({ Effect: 'Allow', Action: 'STS:AssumeRole', Resource: '*' })).toBe(true);
    expect(isAssumeOnly('{"Version":"2012-10-17"}')).toBe(true);
    expect(isAssumeOnly('not json')).toBe(false);
    expect(
      only([
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
      ]),
    ).toBe(false);
    expect(only({ Effect: 'Allow', Action: ['sts:AssumeRole', 's3:GetObject'], Resource: '*' })).toBe(false);
    expect(only({ Effect: 'Allow', Action: 'sts:AssumeRole', NotAction: 's3:*', Resource: '*' })).toBe(false);
    expect(only({ Effect: 'Allow', Resource: '*' })).toBe(false);
    expect(only({ Effect: 'Allow', Action: [42], Resource: '*' })).toBe(false);
  });
});

describe('doctor: bases other than a stored key', () => {
  const sso: ChainBase = {
    kind: 'sso',
    profile: 'sso',
    sso: {
      startUrl: 'https://corp.awsapps.com/start',
      region: 'eu-west-1',
      accountId: '111122223333',
      roleName: 'Dev',
    },
  };
  const web = {
    kind: 'web-identity',
    profile: 'ci',
    webIdentity: { roleArn: 'arn:aws:iam::1:role/ci', tokenFile: '/run/token' },
  } as const;
  const source = (s: 'Environment' | 'Ec2InstanceMetadata' | 'EcsContainer') =>
    ({ kind: 'credential-source', profile: 'box', source: s }) as const;

  it('describeBase names each kind of base in the config check', () => {
    expect(describeBase({ kind: 'key', profile: 'k' })).toBe('stored key');
    expect(describeBase({ kind: 'credential-process', profile: 'c', command: 'x' })).toBe('credential_process');
    expect(describeBase(sso)).toBe(
      'IAM Identity Center https://corp.awsapps.com/start, account 111122223333, role Dev',
    );
    expect(describeBase(web)).toBe('web identity token /run/token for arn:aws:iam::1:role/ci');
    expect(describeBase(source('EcsContainer'))).toBe('credential_source EcsContainer');
  });

  it('credential_process needs no stored key', () => {
    expect(checkBase({ kind: 'credential-process', profile: 'c', command: 'x' }, undefined, NOW)).toEqual({
      check: 'stored key',
      status: 'ok',
      message: 'none needed: "c" gets its credentials from credential_process',
    });
  });

  it('web identity: the token file must be readable', () => {
    expect(checkBase(web, { value: { bytes: 812 } }, NOW)).toEqual({
      check: 'token file',
      status: 'ok',
      message: '/run/token holds a token (812 bytes)',
    });
    const fix = 'point web_identity_token_file at the token your identity provider writes';
    expect(checkBase(web, { error: 'ENOENT: /run/token' }, NOW)).toEqual({
      check: 'token file',
      status: 'fail',
      message: 'ENOENT: /run/token',
      fix,
    });
    for (const read of [undefined, { denied: true } as const]) {
      expect(checkBase(web, read, NOW)).toEqual({
        check: 'token file',
        status: 'fail',
        message: '/run/token cannot be read',
        fix,
      });
    }
  });

  it('credential_source: the key it gives (shortened) and its expiry, or the fix for that source', () => {
    const credentials = { accessKeyId: 'ASIAEXAMPLEKEY1234', secretAccessKey: 's', sessionToken: 't' };
    expect(
      checkBase(
        source('EcsContainer'),
        { value: { credentials: { ...credentials, expiration: new Date(NOW.getTime() + 3_600_000) } } },
        NOW,
      ),
    ).toEqual({
      check: 'credential source',
      status: 'ok',
      message: 'EcsContainer gives credentials (key …1234, in 1h)',
    });
    expect(checkBase(source('Environment'), { value: { credentials } }, NOW).message).toBe(
      'Environment gives credentials (key …1234)',
    );
    expect(checkBase(source('Environment'), { value: {} }, NOW)).toEqual({
      check: 'credential source',
      status: 'fail',
      message: 'Environment gives no credentials',
      fix: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    });
    expect(checkBase(source('EcsContainer'), { error: 'connection refused' }, NOW)).toEqual({
      check: 'credential source',
      status: 'fail',
      message: 'connection refused',
      fix: 'run inside an ECS task or EKS pod with a task role',
    });
    expect(checkBase(source('Ec2InstanceMetadata'), undefined, NOW)).toEqual({
      check: 'credential source',
      status: 'fail',
      message: 'Ec2InstanceMetadata gives no credentials',
      fix: 'run on EC2 with an instance profile, or set AWS_EC2_METADATA_SERVICE_ENDPOINT',
    });
  });
});

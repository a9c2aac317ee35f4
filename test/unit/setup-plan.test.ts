import { describe, expect, it } from 'vitest';
import { MfaExecError } from '../../src/core/errors.js';
import {
  accountOf,
  assumeOnlyPolicy,
  describeSetup,
  otpauthUri,
  profileSections,
  samePolicy,
  trustPolicy,
  userPolicyName,
  validateSetupRequest,
  type SetupRequest,
} from '../../src/core/setup-plan.js';
import { isAssumeOnly, trustProblem } from '../../src/core/doctor.js';
import { mfaTrustPolicy } from '../support/policies.js';

const REQ: SetupRequest = {
  user: 'alice',
  role: 'deploy',
  profile: 'prod',
  policyArns: [],
  region: 'eu-west-1',
  storeTotp: false,
};
const REF = { account: '210987654321', partition: 'aws-cn' };

describe('setup plan', () => {
  it('the trust policy names the account root in its partition and requires MFA', () => {
    expect(JSON.parse(trustPolicy(REF))).toEqual(mfaTrustPolicy('arn:aws-cn:iam::210987654321:root'));
    // doctor accepts what setup writes.
    expect(trustProblem(trustPolicy(REF))).toBeUndefined();
  });

  it("the user's policy allows sts:AssumeRole on the role only", () => {
    const doc = assumeOnlyPolicy('arn:aws:iam::1:role/deploy');
    expect(JSON.parse(doc)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::1:role/deploy' }],
    });
    expect(isAssumeOnly(doc)).toBe(true);
  });

  it('account and partition come from the caller ARN (user or assumed role)', () => {
    expect(accountOf('arn:aws:iam::123456789012:user/admin')).toEqual({ account: '123456789012', partition: 'aws' });
    expect(accountOf('arn:aws-us-gov:sts::123456789012:assumed-role/Admin/x')).toEqual({
      account: '123456789012',
      partition: 'aws-us-gov',
    });
    expect(() => accountOf('nonsense')).toThrow(MfaExecError);
  });

  it('policies compare by meaning, not by spacing or key order', () => {
    expect(samePolicy('{"a":1,"b":[1,{"c":2,"d":3}]}', '{ "b": [1, {"d":3, "c":2}], "a": 1 }')).toBe(true);
    expect(samePolicy('{"a":[1,2]}', '{"a":[2,1]}')).toBe(false);
    expect(samePolicy('{', '{}')).toBe(false);
  });

  it('the otpauth URI carries issuer, user@account and the seed', () => {
    expect(otpauthUri('JBSWY3DPEHPK3PXP', 'alice', '123456789012')).toBe(
      'otpauth://totp/Amazon%20Web%20Services:alice%40123456789012?secret=JBSWY3DPEHPK3PXP&issuer=Amazon%20Web%20Services',
    );
  });

  it('writes the user profile and the role profile chained to it', () => {
    expect(profileSections(REQ, 'arn:aws:iam::1:role/deploy', 'arn:aws:iam::1:mfa/alice')).toEqual([
      { section: 'profile alice', values: [['region', 'eu-west-1']] },
      {
        section: 'profile prod',
        values: [
          ['role_arn', 'arn:aws:iam::1:role/deploy'],
          ['source_profile', 'alice'],
          ['mfa_serial', 'arn:aws:iam::1:mfa/alice'],
          ['region', 'eu-west-1'],
        ],
      },
    ]);
  });

  it('rejects names IAM or the config file would refuse, before any call', () => {
    const bad = (r: Partial<SetupRequest>) => () => validateSetupRequest({ ...REQ, ...r });
    expect(bad({ user: 'has space' })).toThrow(/--user "has space" is not an IAM name/);
    expect(bad({ role: 'x'.repeat(65) })).toThrow(/--role/);
    expect(bad({ profile: 'alice' })).toThrow(/is the user's own profile name/);
    expect(bad({ profile: 'a]b' })).toThrow(/cannot be a profile name/);
    expect(bad({ policyArns: ['ReadOnlyAccess'] })).toThrow(/not a managed policy ARN/);
    expect(
      bad({ policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/team/Mine'] }),
    ).not.toThrow();
    const err = (() => {
      try {
        bad({ user: '' })();
      } catch (e) {
        return e;
      }
    })();
    expect((err as MfaExecError).exitCode).toBe(2);
  });

  it('the dry-run text shows every step with the placeholder account', () => {
    const text = describeSetup(
      { ...REQ, policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], storeTotp: true },
      { storeName: 'keychain', configLabel: '~/.aws/config' },
    );
    expect(text).toContain('ACCOUNT_ID stands for the account of the admin credentials');
    expect(text).toContain('1. Create the role deploy (arn:aws:iam::ACCOUNT_ID:role/deploy)');
    expect(text).toContain('2. Attach to the role: arn:aws:iam::aws:policy/ReadOnlyAccess');
    expect(text).toContain('store its TOTP seed in the keychain');
    expect(text).toContain(
      '[profile prod]\nrole_arn = arn:aws:iam::ACCOUNT_ID:role/deploy\nsource_profile = alice\nmfa_serial = arn:aws:iam::ACCOUNT_ID:mfa/alice\nregion = eu-west-1\n',
    );
    expect(describeSetup(REQ, { storeName: 'keychain', configLabel: 'c' })).toContain(
      '2. Attach no policy to the role',
    );
  });

  it('each refused name says which flag, why, and what IAM or the config file take', () => {
    const refusal = (r: Partial<SetupRequest>) => {
      try {
        validateSetupRequest({ ...REQ, ...r });
      } catch (e) {
        expect(e).toBeInstanceOf(MfaExecError);
        const { kind, message, hint } = e as MfaExecError;
        return { kind, message, hint };
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ role: 'a b' })).toEqual({
      kind: 'usage',
      message: '--role "a b" is not an IAM name',
      hint: 'use 1 to 64 letters, digits and + = , . @ _ -',
    });
    expect(refusal({ user: 'a,b' })).toEqual({
      kind: 'usage',
      message: '--user "a,b" cannot be a profile name in the config file',
      hint: 'use letters, digits and + . @ _ -',
    });
    expect(refusal({ profile: 'alice' })).toEqual({
      kind: 'usage',
      message: `--profile "alice" is the user's own profile name`,
      hint: 'give the role profile another name with --profile',
    });
    expect(refusal({ policyArns: ['ReadOnlyAccess'] })).toEqual({
      kind: 'usage',
      message: '--policy-arn "ReadOnlyAccess" is not a managed policy ARN',
      hint: 'e.g. arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
  });

  it('a caller ARN that does not start as an IAM or STS ARN is an sts error', () => {
    const e = (() => {
      try {
        accountOf('x:arn:aws:iam::123456789012:user/admin');
      } catch (x) {
        return x as MfaExecError;
      }
      throw new Error('expected an error');
    })();
    expect([e.kind, e.message, e.hint]).toEqual([
      'sts',
      'GetCallerIdentity answered an unexpected ARN "x:arn:aws:iam::123456789012:user/admin"',
      'check the STS endpoint setting',
    ]);
  });

  it("names the user's inline policy after the role (doctor and rotate look it up by that name)", () => {
    expect(userPolicyName('deploy')).toBe('mfa-exec-assume-deploy');
  });

  it('policies compare arrays as arrays, element by element', () => {
    expect(samePolicy('{"a":[1,2]}', '{"a":{"0":1,"1":2}}')).toBe(false);
    expect(samePolicy('[1,2]', '[12]')).toBe(false);
  });

  it('the dry-run text for a known account is exactly the steps, in order', () => {
    const req = { ...REQ, policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/Billing'] };
    const roleArn = 'arn:aws-cn:iam::210987654321:role/deploy';
    expect(describeSetup(req, { ref: REF, storeName: 'keychain', configLabel: '~/.aws/config' })).toBe(
      [
        'mfa-exec setup plan (dry run: no AWS call is made, nothing is created or written).',
        '',
        `1. Create the role deploy (${roleArn}) with this trust policy (principals of the account, MFA required):`,
        trustPolicy(REF),
        '',
        '2. Attach to the role: arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::aws:policy/Billing',
        '',
        '3. Create the user alice with the inline policy "mfa-exec-assume-deploy", its only permission:',
        assumeOnlyPolicy(roleArn),
        '',
        '4. Create the virtual MFA device arn:aws-cn:iam::210987654321:mfa/alice, show it on the terminal for an authenticator app (otpauth:// URI), ask for two consecutive codes and enable it.',
        '',
        '5. Create an access key for alice and store it in the keychain as profile alice (never printed, never on disk in plain text).',
        '',
        '6. Write these profiles to ~/.aws/config, keeping every other line:',
        '[profile alice]',
        'region = eu-west-1',
        '',
        '[profile prod]',
        `role_arn = ${roleArn}`,
        'source_profile = alice',
        'mfa_serial = arn:aws-cn:iam::210987654321:mfa/alice',
        'region = eu-west-1',
        '',
      ].join('\n'),
    );
  });
});

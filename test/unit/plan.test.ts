import { describe, expect, it } from 'vitest';
import type { Chain, RoleStep } from '../../src/core/config.js';
import { MfaExecError } from '../../src/core/errors.js';
import { planCredentials, type PlanOptions } from '../../src/core/plan.js';
import { MFA, ROLE, chain } from '../support/chain.js';
import { thrown } from '../support/failure.js';

function usageError(c: Chain, opts: PlanOptions): MfaExecError {
  const e = thrown(() => planCredentials(c, opts));
  expect(e.kind).toBe('usage');
  expect(e.exitCode).toBe(2);
  expect(e.hint).toBeTruthy();
  return e;
}

describe('planCredentials for a role profile', () => {
  it('defaults to an 8 h MFA session and 1 h role credentials', () => {
    const p = planCredentials(chain('dev'), {});
    expect(p).toMatchObject({
      useSession: true,
      sessionSeconds: 8 * 3600,
      roleSeconds: 3600,
      resultItem: 'role:dev',
      sessionItem: `session:base:${MFA}`,
    });
  });

  it('skips the session when more than 1 h is asked with --duration', () => {
    const p = planCredentials(chain('dev'), { durationSeconds: 7200 });
    expect(p.useSession).toBe(false);
    expect(p.roleSeconds).toBe(7200);
  });

  it('keeps the session at exactly 1 h', () => {
    expect(planCredentials(chain('dev'), { durationSeconds: 3600 }).useSession).toBe(true);
  });

  it('skips the session with --no-session', () => {
    const p = planCredentials(chain('dev'), { noSession: true });
    expect(p.useSession).toBe(false);
    expect(p.roleSeconds).toBe(3600);
  });

  it("takes duration_seconds from the chain's last role, and --duration over it", () => {
    const c = chain('dev', [{ durationSeconds: 1800 }, { durationSeconds: 2700 }]);
    expect(planCredentials(c, {}).roleSeconds).toBe(2700);
    expect(planCredentials(c, { durationSeconds: 900 }).roleSeconds).toBe(900);
    const long = planCredentials(chain('dev', [{ durationSeconds: 7200 }]), {});
    expect(long.roleSeconds).toBe(7200);
    expect(long.useSession).toBe(false);
  });

  it('uses --session-duration for the session', () => {
    expect(planCredentials(chain('dev'), { sessionDurationSeconds: 36 * 3600 }).sessionSeconds).toBe(36 * 3600);
  });

  it('accepts the AWS limits themselves', () => {
    expect(planCredentials(chain('dev'), { durationSeconds: 900 }).roleSeconds).toBe(900);
    expect(planCredentials(chain('dev'), { durationSeconds: 43200 }).roleSeconds).toBe(43200);
    expect(planCredentials(chain('dev'), { sessionDurationSeconds: 129600 }).sessionSeconds).toBe(129600);
  });

  it('refuses durations out of the AWS range as usage errors', () => {
    expect(usageError(chain('dev'), { durationSeconds: 899 }).message).toMatch(/out of range/);
    usageError(chain('dev'), { durationSeconds: 43201 });
    usageError(chain('dev'), { sessionDurationSeconds: 129601 });
    usageError(chain('dev'), { sessionDurationSeconds: 899 });
  });

  it('refuses more than 1 h for a chain of 2 roles (AWS caps role chaining)', () => {
    const two = chain('dev', [{}, {}]);
    expect(usageError(two, { durationSeconds: 7200 }).message).toContain('dev');
    usageError(chain('dev', [{}, { durationSeconds: 7200 }]), {});
    expect(planCredentials(two, { durationSeconds: 3600 }).useSession).toBe(true);
  });
});

describe('planCredentials for a profile without a role', () => {
  const plain = () => chain('base', []);

  it('hands out the MFA session itself', () => {
    const p = planCredentials(plain(), {});
    expect(p.resultItem).toBe(p.sessionItem);
    expect(p.fingerprint).toBe(p.sessionFingerprint);
    expect(p.useSession).toBe(true);
    expect(p.roleSeconds).toBe(0);
    expect(p.sessionSeconds).toBe(8 * 3600);
  });

  it('refuses --no-session', () => {
    expect(usageError(plain(), { noSession: true }).message).toContain('"base"');
  });

  it('lets --duration set the session length, --session-duration winning when both are given', () => {
    expect(planCredentials(plain(), { durationSeconds: 7200 }).sessionSeconds).toBe(7200);
    expect(planCredentials(plain(), { durationSeconds: 30 * 3600 }).sessionSeconds).toBe(30 * 3600);
    expect(planCredentials(plain(), { durationSeconds: 7200, sessionDurationSeconds: 10800 }).sessionSeconds).toBe(
      10800,
    );
    usageError(plain(), { durationSeconds: 899 });
    usageError(plain(), { durationSeconds: 129601 });
  });
});

describe('plan fingerprints, items and locks', () => {
  const fp = (c: Chain) => planCredentials(c, {}).fingerprint;

  it('is stable for the same chain', () => {
    expect(fp(chain('dev'))).toBe(fp(chain('dev')));
  });

  it('differs when role_arn, external_id, role_session_name or the MFA device differ', () => {
    const same = fp(chain('dev'));
    expect(fp(chain('dev', [{ roleArn: ROLE('other') }]))).not.toBe(same);
    expect(fp(chain('dev', [{ externalId: 'ext-1' }]))).not.toBe(same);
    expect(fp(chain('dev', [{ externalId: 'ext-1' }]))).not.toBe(fp(chain('dev', [{ externalId: 'ext-2' }])));
    expect(fp(chain('dev', [{ roleSessionName: 'me' }]))).not.toBe(same);
    const otherDevice = planCredentials(chain('dev', [{}], { mfaSerial: 'arn:aws:iam::900000000001:mfa/bob' }), {});
    expect(otherDevice.fingerprint).not.toBe(same);
    expect(otherDevice.sessionFingerprint).not.toBe(planCredentials(chain('dev'), {}).sessionFingerprint);
    expect(fp(chain('dev', [{}], { mfaSerial: undefined }))).not.toBe(same);
  });

  it('differs when a middle role of the chain changes', () => {
    expect(fp(chain('dev', [{ roleArn: ROLE('a') }, {}]))).not.toBe(fp(chain('dev', [{ roleArn: ROLE('b') }, {}])));
  });

  it('shares the session item, session fingerprint and lock between role profiles of one key and device', () => {
    const dev = planCredentials(chain('dev'), {});
    const ops = planCredentials(chain('ops'), {});
    expect(ops.sessionItem).toBe(dev.sessionItem);
    expect(ops.sessionFingerprint).toBe(dev.sessionFingerprint);
    expect(ops.lockName).toBe(dev.lockName);
    expect(ops.resultItem).not.toBe(dev.resultItem);
    expect(ops.fingerprint).not.toBe(dev.fingerprint);
  });

  it('separates the session item and lock of another device or another key', () => {
    const dev = planCredentials(chain('dev'), {});
    const bob = planCredentials(chain('dev', [{}], { mfaSerial: 'arn:aws:iam::900000000001:mfa/bob' }), {});
    const otherKey = planCredentials(chain('dev', [{}], { base: { profile: 'base2', kind: 'key' } }), {});
    for (const other of [bob, otherKey]) {
      expect(other.sessionItem).not.toBe(dev.sessionItem);
      expect(other.lockName).not.toBe(dev.lockName);
    }
  });
});

describe('plan fingerprints as earlier versions stored them (a cache survives an upgrade)', () => {
  const WEB = {
    profile: 'ci',
    kind: 'web-identity' as const,
    webIdentity: { roleArn: ROLE('ci'), tokenFile: '/run/token' },
  };
  const SSO = {
    profile: 'sso',
    kind: 'sso' as const,
    sso: { startUrl: 'https://x.awsapps.com/start', region: 'eu-west-1', accountId: '111122223333', roleName: 'R' },
  };
  const KEY_SESSION = JSON.stringify(['base', MFA]);

  it('a role on a stored key: the session fingerprint, then [role_arn, role_session_name, external_id] per role', () => {
    const p = planCredentials(chain('dev', [{}, { roleSessionName: 'me', externalId: 'x' }]), {});
    expect(p.sessionFingerprint).toBe(KEY_SESSION);
    expect(p.fingerprint).toBe(
      JSON.stringify([
        KEY_SESSION,
        [
          [ROLE('dev0'), null, null],
          [ROLE('dev1'), 'me', 'x'],
        ],
      ]),
    );
  });

  it('a profile without a role and device: the session fingerprint with null for the device', () => {
    const p = planCredentials(chain('base', [], { mfaSerial: undefined }), {});
    expect(p.fingerprint).toBe(JSON.stringify(['base', null]));
  });

  it('a web identity base: its own role, token file and session name; a role on top appends it', () => {
    const alone = planCredentials(chain('ci', [], { base: WEB, mfaSerial: undefined }), {});
    const own = JSON.stringify(['web-identity', ROLE('ci'), '/run/token', null]);
    expect(alone.resultItem).toBe('role:ci');
    expect(alone.fingerprint).toBe(own);
    const named = { ...WEB, webIdentity: { ...WEB.webIdentity, roleSessionName: 'ci-run' } };
    expect(planCredentials(chain('ci', [], { base: named, mfaSerial: undefined }), {}).fingerprint).toBe(
      JSON.stringify(['web-identity', ROLE('ci'), '/run/token', 'ci-run']),
    );
    const onTop = planCredentials(chain('deploy', [{}], { base: WEB, mfaSerial: undefined }), {});
    expect(onTop.fingerprint).toBe(
      JSON.stringify([JSON.stringify(['ci', null]), [[ROLE('deploy0'), null, null]], own]),
    );
  });

  it('an SSO base: start URL, region, account and role name, under its own role item', () => {
    const p = planCredentials(chain('sso', [], { base: SSO, mfaSerial: undefined }), {});
    expect(p.resultItem).toBe('role:sso');
    expect(p.fingerprint).toBe(
      JSON.stringify(['sso', 'https://x.awsapps.com/start', 'eu-west-1', '111122223333', 'R']),
    );
  });

  it('source_identity, tags and transitive_tag_keys extend a role only when one is set', () => {
    const fp = (r: Partial<RoleStep>) => planCredentials(chain('dev', [r]), {}).fingerprint;
    const role = (...extra: unknown[]) => JSON.stringify([KEY_SESSION, [[ROLE('dev0'), null, null, ...extra]]]);
    expect(fp({})).toBe(role());
    expect(fp({ sourceIdentity: 'alice' })).toBe(role('alice', null, null));
    expect(fp({ tags: [{ key: 'Team', value: 'a' }] })).toBe(role(null, [{ key: 'Team', value: 'a' }], null));
    expect(fp({ transitiveTagKeys: ['Team'] })).toBe(role(null, null, ['Team']));
  });

  it('names the lock after the base profile and the device, or the base alone without one', () => {
    expect(planCredentials(chain('dev'), {}).lockName).toBe(`base\u0000${MFA}`);
    expect(planCredentials(chain('dev', [{}], { mfaSerial: undefined }), {}).lockName).toBe('base\u0000');
  });
});

describe('planCredentials: what an out-of-range duration error names', () => {
  it('says which duration is out of range, and the AWS limits', () => {
    const e = usageError(chain('dev'), { sessionDurationSeconds: 600 });
    expect(e.message).toBe('an MFA session (--session-duration) of 10m is out of range');
    expect(e.hint).toBe('AWS allows 15m to 36h');
    expect(usageError(chain('dev'), { durationSeconds: 50000 }).message).toBe(
      'role credentials (--duration / duration_seconds) of 13h53m20s is out of range',
    );
    expect(usageError(chain('base', []), { durationSeconds: 600 }).message).toBe(
      'an MFA session (--duration) of 10m is out of range',
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { Chain, RoleStep } from '../../src/core/config.js';
import { AwsCallError } from '../../src/core/errors.js';
import { planCredentials, readCachedResult, resolveCredentials, type PlanOptions } from '../../src/core/plan.js';
import type { CredentialDeps } from '../../src/core/providers/types.js';
import { decodeEntry, encodeEntry, encodeKey, keyItem, type CachedEntry } from '../../src/core/store-items.js';
import type { Credentials } from '../../src/core/types.js';
import {
  FakeClock,
  FakeSts,
  MemoryStore,
  MemoryUsedCodes,
  RecordingLock,
  RecordingLogger,
  ScriptedMfaSource,
  FakeSsoPort,
} from '../support/fakes.js';
import { MFA, ROLE, chain } from '../support/chain.js';
import { failure } from '../support/failure.js';

// 10 s into a 30 s TOTP window.
const NOW = Date.UTC(2024, 4, 1, 12, 0, 10);
const KEY = { accessKeyId: 'AKIAEXAMPLEKEY0001', secretAccessKey: 'long-lived-secret-never-shown' };
const MFA_FAILED = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';
const MIN = 60_000;

interface Setup {
  codes?: string[];
  interactive?: boolean;
  maxTries?: number;
  storedKey?: boolean;
  used?: string[];
  credentialProcess?: Credentials;
}

function setup(o: Setup = {}) {
  const clock = new FakeClock(NOW);
  const store = new MemoryStore();
  if (o.storedKey !== false) store.items.set(keyItem('base'), encodeKey(KEY));
  const sts = new FakeSts(clock);
  const lock = new RecordingLock();
  const logger = new RecordingLogger();
  const usedCodes = new MemoryUsedCodes((o.used ?? []).map((code) => ({ serial: MFA, code })));
  const source = new ScriptedMfaSource(o.codes ?? ['123456'], {
    interactive: o.interactive ?? true,
    maxTries: o.maxTries ?? 3,
  });
  const sourcesMade = { count: 0 };
  const processRuns: [string, string][] = [];
  const deps: CredentialDeps = {
    sso: new FakeSsoPort(),
    store,
    sts,
    clock,
    lock,
    logger,
    usedCodes,
    mfaSource: () => {
      sourcesMade.count++;
      return source;
    },
    credentialProcess: async (command, profile) => {
      processRuns.push([command, profile]);
      if (!o.credentialProcess) throw new Error('no credential_process in this test');
      return o.credentialProcess;
    },
    webIdentityToken: async () => {
      throw new Error('no web identity token in this test');
    },
    credentialSource: async () => {
      throw new Error('no credential_source in this test');
    },
  };
  const resolve = (c: Chain, opts: PlanOptions = {}) => resolveCredentials(planCredentials(c, opts), deps);
  return { clock, store, sts, lock, logger, usedCodes, source, sourcesMade, processRuns, deps, resolve };
}

type Env = ReturnType<typeof setup>;

function temp(id: string, expiresInMs: number): Credentials {
  return {
    accessKeyId: id,
    secretAccessKey: `${id}-secret`,
    sessionToken: `${id}-token`,
    expiration: new Date(NOW + expiresInMs),
  };
}

/** Put a cached entry in the store as resolveCredentials would have left it. */
function seed(env: Env, c: Chain, kind: CachedEntry['kind'], credentials: Credentials, fingerprint?: string): void {
  const plan = planCredentials(c, {});
  const name = kind === 'role' ? plan.resultItem : plan.sessionItem;
  const fp = fingerprint ?? (kind === 'role' ? plan.fingerprint : plan.sessionFingerprint);
  env.store.items.set(name, encodeEntry({ kind, credentials, base: c.base.profile, fingerprint: fp }));
}

/** No secret (key secret, session secrets and tokens, MFA codes) reaches the logs or `texts`. */
function expectNoSecrets(env: Env, secrets: string[], texts: string[] = []): void {
  const all = [env.logger.text(), ...texts].join('\n');
  for (const s of [KEY.secretAccessKey, KEY.accessKeyId, ...secrets]) expect(all).not.toContain(s);
  for (const call of env.sts.calls) {
    if (call.result) {
      expect(all).not.toContain(call.result.secretAccessKey);
      expect(all).not.toContain(call.result.sessionToken!);
    }
  }
}

describe('resolveCredentials: cache', () => {
  it('cold cache: one GetSessionToken with the device and code, one AssumeRole with the session, both cached', async () => {
    const env = setup();
    const plan = planCredentials(chain('dev'), {});
    const creds = await resolveCredentials(plan, env.deps);

    expect(env.sts.calls.map((c) => c.op)).toEqual(['getSessionToken', 'assumeRole']);
    const [gst] = env.sts.callsOf('getSessionToken');
    expect(gst!.input).toMatchObject({
      credentials: KEY,
      durationSeconds: 8 * 3600,
      serialNumber: MFA,
      tokenCode: '123456',
    });
    expect(gst!.input.credentials.sessionToken).toBeUndefined();
    const [ar] = env.sts.callsOf('assumeRole');
    expect(ar!.input).toMatchObject({ credentials: gst!.result, roleArn: ROLE('dev0'), durationSeconds: 3600 });
    expect(ar!.input.serialNumber).toBeUndefined();
    expect(ar!.input.tokenCode).toBeUndefined();
    expect(ar!.input.roleSessionName).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(creds).toEqual(ar!.result);

    const session = decodeEntry(env.store.items.get(plan.sessionItem) ?? null);
    expect(session).toEqual({
      kind: 'session',
      credentials: gst!.result,
      base: 'base',
      fingerprint: plan.sessionFingerprint,
    });
    const role = decodeEntry(env.store.items.get(plan.resultItem) ?? null);
    expect(role).toEqual({ kind: 'role', credentials: creds, base: 'base', fingerprint: plan.fingerprint });
    expect(env.usedCodes.marked).toEqual([{ serial: MFA, code: '123456' }]);
    expectNoSecrets(env, ['123456']);
  });

  it('warm cache: zero STS calls, exactly one store read, no lock, no MFA source', async () => {
    const env = setup();
    const cached = temp('ASIACACHEDROLE', 30 * MIN);
    seed(env, chain('dev'), 'role', cached);
    const creds = await env.resolve(chain('dev'));

    expect(creds).toEqual(cached);
    expect(env.sts.calls).toEqual([]);
    expect(env.store.calls).toEqual([{ op: 'get', name: 'role:dev' }]);
    expect(env.lock.names).toEqual([]);
    expect(env.sourcesMade.count).toBe(0);
  });

  it('a second run after a cold one makes no STS call', async () => {
    const env = setup();
    const first = await env.resolve(chain('dev'));
    env.store.calls.length = 0;
    expect(await env.resolve(chain('dev'))).toEqual(first);
    expect(env.sts.calls).toHaveLength(2);
    expect(env.store.calls).toHaveLength(1);
  });

  it('a second role profile of the same key and device reuses the MFA session: one AssumeRole, no GetSessionToken, no code', async () => {
    const env = setup();
    await env.resolve(chain('dev'));
    const session = env.sts.callsOf('getSessionToken')[0]!.result;
    env.sts.calls.length = 0;

    const ops = await env.resolve(chain('ops'));
    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole']);
    expect(env.sts.callsOf('assumeRole')[0]!.input).toMatchObject({ credentials: session, roleArn: ROLE('ops0') });
    expect(ops).toEqual(env.sts.calls[0]!.result);
    expect(env.source.asked).toHaveLength(1);
  });

  it('role credentials within 5 minutes of expiry are refreshed with the still-fresh session', async () => {
    const env = setup();
    await env.resolve(chain('dev'));
    env.clock.advance(55 * MIN + 1000); // the role credentials have 4m59s left
    env.sts.calls.length = 0;

    const creds = await env.resolve(chain('dev'));
    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole']);
    expect(creds).toEqual(env.sts.calls[0]!.result);
    expect(creds.expiration!.getTime()).toBe(env.clock.now().getTime() + 3600_000);
    expect(env.source.asked).toHaveLength(1);
  });

  it('refreshes at exactly 5 minutes left, uses at 5 minutes and 1 second left', async () => {
    const env = setup();
    seed(env, chain('dev'), 'session', temp('ASIACACHEDSESSION', 8 * 3600_000));
    seed(env, chain('dev'), 'role', temp('ASIACACHEDROLE', 5 * MIN + 1000));
    await env.resolve(chain('dev'));
    expect(env.sts.calls).toEqual([]);
    env.clock.advance(1000);
    await env.resolve(chain('dev'));
    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole']);
  });

  it('an MFA session within 5 minutes of expiry is replaced by a new GetSessionToken', async () => {
    const env = setup();
    seed(env, chain('dev'), 'session', temp('ASIAOLDSESSION', 4 * MIN));
    await env.resolve(chain('dev'));
    expect(env.sts.calls.map((c) => c.op)).toEqual(['getSessionToken', 'assumeRole']);
    expect(env.sts.callsOf('assumeRole')[0]!.input.credentials.accessKeyId).not.toBe('ASIAOLDSESSION');
    expect(decodeEntry(env.store.items.get(`session:base:${MFA}`) ?? null)!.credentials.accessKeyId).toMatch(
      /^ASIASESSION/,
    );
  });

  it('a cached result with another fingerprint is a miss', async () => {
    const env = setup();
    seed(env, chain('dev'), 'session', temp('ASIACACHEDSESSION', 8 * 3600_000));
    seed(env, chain('dev'), 'role', temp('ASIASTALEROLE', 30 * MIN), 'made-for-another-role-arn');
    const creds = await env.resolve(chain('dev'));
    expect(creds.accessKeyId).not.toBe('ASIASTALEROLE');
    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole']);
    expect(decodeEntry(env.store.items.get('role:dev') ?? null)!.fingerprint).toBe(
      planCredentials(chain('dev'), {}).fingerprint,
    );
  });

  it('a cached session with another fingerprint is a miss', async () => {
    const env = setup();
    seed(env, chain('dev'), 'session', temp('ASIACACHEDSESSION', 8 * 3600_000), 'something else');
    await env.resolve(chain('dev'));
    expect(env.sts.calls.map((c) => c.op)).toEqual(['getSessionToken', 'assumeRole']);
  });
});

describe('resolveCredentials: shapes of the STS calls', () => {
  it('--no-session: one AssumeRole with the long-lived key, the device and the code; no session cached', async () => {
    const env = setup();
    const creds = await env.resolve(chain('dev'), { noSession: true });
    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole']);
    expect(env.sts.callsOf('assumeRole')[0]!.input).toMatchObject({
      credentials: KEY,
      serialNumber: MFA,
      tokenCode: '123456',
      durationSeconds: 3600,
    });
    expect(env.store.items.has(`session:base:${MFA}`)).toBe(false);
    expect(decodeEntry(env.store.items.get('role:dev') ?? null)!.credentials).toEqual(creds);
  });

  it('over 1 h: AssumeRole straight from the key for the asked duration', async () => {
    const env = setup();
    await env.resolve(chain('dev'), { durationSeconds: 4 * 3600 });
    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole']);
    expect(env.sts.callsOf('assumeRole')[0]!.input).toMatchObject({
      credentials: KEY,
      durationSeconds: 4 * 3600,
      serialNumber: MFA,
    });
  });

  it('passes external_id and role_session_name of the role', async () => {
    const env = setup();
    await env.resolve(chain('dev', [{ externalId: 'ext-42', roleSessionName: 'alice-dev' }]));
    expect(env.sts.callsOf('assumeRole')[0]!.input).toMatchObject({
      externalId: 'ext-42',
      roleSessionName: 'alice-dev',
    });
  });

  it('a chain of 2 roles without a session: two AssumeRoles, the MFA code only on the first', async () => {
    const env = setup();
    const c = chain('dev', [{}, { durationSeconds: 1800 }]);
    const creds = await env.resolve(c, { noSession: true });
    const [first, second] = env.sts.callsOf('assumeRole');
    expect(env.sts.calls).toHaveLength(2);
    expect(first!.input).toMatchObject({
      credentials: KEY,
      roleArn: ROLE('dev0'),
      serialNumber: MFA,
      tokenCode: '123456',
    });
    expect(second!.input).toMatchObject({ credentials: first!.result, roleArn: ROLE('dev1'), durationSeconds: 1800 });
    expect(second!.input.tokenCode).toBeUndefined();
    expect(second!.input.serialNumber).toBeUndefined();
    expect(creds).toEqual(second!.result);
  });

  it('a chain of 2 roles with a session: GetSessionToken, then two AssumeRoles without a code', async () => {
    const env = setup();
    await env.resolve(chain('dev', [{}, {}]));
    expect(env.sts.calls.map((c) => c.op)).toEqual(['getSessionToken', 'assumeRole', 'assumeRole']);
    const [first, second] = env.sts.callsOf('assumeRole');
    expect(first!.input.credentials).toEqual(env.sts.calls[0]!.result);
    expect(second!.input.credentials).toEqual(first!.result);
    expect([first!.input.tokenCode, second!.input.tokenCode]).toEqual([undefined, undefined]);
    expect(env.source.asked).toHaveLength(1);
  });

  it('a profile without a role gets the MFA session itself, cached once', async () => {
    const env = setup();
    const c = chain('base', []);
    const creds = await env.resolve(c, { durationSeconds: 7200 });
    expect(env.sts.calls.map((c) => c.op)).toEqual(['getSessionToken']);
    expect(env.sts.calls[0]!.input.durationSeconds).toBe(7200);
    expect(creds).toEqual(env.sts.calls[0]!.result);
    expect(env.store.names('set')).toEqual([`session:base:${MFA}`]);
    expect(await env.resolve(c)).toEqual(creds);
    expect(env.sts.calls).toHaveLength(1);
  });

  it('a profile without mfa_serial calls STS without a code and never creates a code source', async () => {
    const env = setup();
    await env.resolve(chain('dev', [{}], { mfaSerial: undefined }));
    const [gst] = env.sts.callsOf('getSessionToken');
    expect(gst!.input.serialNumber).toBeUndefined();
    expect(gst!.input.tokenCode).toBeUndefined();
    expect(env.sourcesMade.count).toBe(0);
  });

  it('credential_process base with a session token: no GetSessionToken (AWS refuses it), straight AssumeRole', async () => {
    const fromProcess = temp('ASIAFROMPROCESS', 3600_000);
    const env = setup({ credentialProcess: fromProcess, storedKey: false });
    const c = chain('dev', [{}], {
      base: { profile: 'sso', kind: 'credential-process', command: '/bin/creds --sso' },
    });
    const creds = await env.resolve(c);
    expect(env.processRuns).toEqual([['/bin/creds --sso', 'sso']]);
    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole']);
    expect(env.sts.callsOf('assumeRole')[0]!.input.credentials).toEqual(fromProcess);
    expect(creds).toEqual(env.sts.calls[0]!.result);
    expect([...env.store.items.keys()]).toEqual(['role:dev']);
  });
});

describe('resolveCredentials: durations sent to STS', () => {
  it('a chain of 2 roles: the first role keeps its duration_seconds, capped at 1 h; the last gets the plan duration', async () => {
    const ask = async (roles: Partial<RoleStep>[], opts: PlanOptions = {}) => {
      const env = setup();
      await env.resolve(chain('dev', roles), opts);
      return env.sts.callsOf('assumeRole').map((c) => c.input.durationSeconds);
    };
    expect(await ask([{ durationSeconds: 1800 }, { durationSeconds: 2700 }])).toEqual([1800, 2700]);
    expect(await ask([{}, { durationSeconds: 900 }])).toEqual([3600, 900]);
    expect(await ask([{ durationSeconds: 7200 }, {}], { noSession: true })).toEqual([3600, 3600]);
    expect(await ask([{ durationSeconds: 1800 }, {}], { durationSeconds: 1200 })).toEqual([1800, 1200]);
  });

  it('AssumeRole without role_session_name is named after the time in seconds, as the AWS CLI names it', async () => {
    const env = setup();
    await env.resolve(chain('dev'));
    expect(env.sts.callsOf('assumeRole')[0]!.input.roleSessionName).toBe(`mfa-exec-${NOW / 1000}`);
  });

  it('the GetSessionToken log names the key by its last 4 characters only', async () => {
    const env = setup();
    await env.resolve(chain('dev'));
    expect(env.logger.text()).toContain(`GetSessionToken for key …0001 with MFA device ${MFA}, 28800s`);
    expectNoSecrets(env, ['123456']);
  });
});

describe('resolveCredentials: the debug trace (--debug)', () => {
  const debug = (env: Env) => env.logger.messages.filter((m) => m.level === 'debug').map((m) => m.message);

  it('names each STS call with its role, session name, duration and device, and a cache hit by its kind', async () => {
    const env = setup();
    await env.resolve(chain('dev', [{ roleSessionName: 'alice' }]));
    expect(debug(env)).toEqual([
      `GetSessionToken for key …0001 with MFA device ${MFA}, 28800s`,
      `AssumeRole ${ROLE('dev0')} as alice for 3600s`,
    ]);
    env.logger.messages.length = 0;
    await env.resolve(chain('dev', [{ roleSessionName: 'alice' }]));
    expect(debug(env)).toEqual(['using cached credentials (role)']);
    const direct = setup();
    await direct.resolve(chain('dev', [{ roleSessionName: 'alice' }]), { durationSeconds: 7200 });
    expect(debug(direct)).toEqual([`AssumeRole ${ROLE('dev0')} as alice for 7200s with MFA device ${MFA}`]);
  });

  it('says when GetSessionToken goes without MFA, and when an expired session is replaced', async () => {
    const env = setup();
    await env.resolve(chain('base', [], { mfaSerial: undefined }));
    expect(debug(env)).toEqual(['GetSessionToken for key …0001 without MFA, 28800s']);
    const renewing = setup();
    seed(renewing, chain('dev'), 'session', temp('ASIAREVOKEDSESSION', 8 * 3600_000));
    renewing.sts.failNext('ExpiredToken', 'expired', { on: 'assumeRole' });
    await renewing.resolve(chain('dev', [{ roleSessionName: 'alice' }]));
    expect(debug(renewing)).toContain('the cached MFA session was refused as expired; getting a new one');
  });

  it('names the web identity role and session, and the credential_source', async () => {
    const env = setup({ storedKey: false });
    env.deps.webIdentityToken = async () => 'jwt';
    const web = {
      profile: 'ci',
      kind: 'web-identity' as const,
      webIdentity: { roleArn: ROLE('ci'), tokenFile: '/run/token', roleSessionName: 'ci-run' },
    };
    await env.resolve(chain('ci', [], { base: web, mfaSerial: undefined }));
    expect(debug(env)).toEqual([`AssumeRoleWithWebIdentity ${ROLE('ci')} as ci-run`]);
    const ec2 = setup({ storedKey: false });
    ec2.deps.credentialSource = async () => temp('ASIAINSTANCE', 6 * 3600_000);
    await ec2.resolve(
      chain('ec2', [{ roleSessionName: 'x' }], {
        base: { profile: 'ec2', kind: 'credential-source', source: 'Ec2InstanceMetadata' },
        mfaSerial: undefined,
      }),
    );
    expect(debug(ec2)[0]).toBe('credential_source Ec2InstanceMetadata for profile "ec2"');
  });
});

describe('readCachedResult: the warm path', () => {
  it("gives the plan's fresh cached result with one store read, nothing for another chain's or a stale one", async () => {
    const env = setup();
    const plan = planCredentials(chain('dev'), {});
    expect(await readCachedResult(plan, env.deps)).toBeUndefined();
    const cached = temp('ASIACACHEDROLE', 30 * MIN);
    seed(env, chain('dev'), 'role', cached);
    env.store.calls.length = 0;
    expect(await readCachedResult(plan, env.deps)).toEqual(cached);
    expect(env.store.calls).toEqual([{ op: 'get', name: 'role:dev' }]);
    expect(await readCachedResult(planCredentials(chain('dev', [{ externalId: 'x' }]), {}), env.deps)).toBeUndefined();
    env.clock.advance(25 * MIN);
    expect(await readCachedResult(plan, env.deps)).toBeUndefined();
    expect(env.sts.calls).toEqual([]);
  });
});

describe('readCachedResult: a base used as it is', () => {
  it('reads nothing for a credential_process profile without a role, whatever its session item holds', async () => {
    const env = setup({ storedKey: false });
    const c = chain('proc', [], { base: { profile: 'proc', kind: 'credential-process', command: '/bin/creds' } });
    // Left by an earlier config where "proc" had a stored key: the provider tree never reads it now.
    seed(env, c, 'session', temp('ASIASTALESESSION', 30 * MIN));
    env.store.calls.length = 0;
    expect(await readCachedResult(planCredentials(c, {}), env.deps)).toBeUndefined();
    expect(env.store.calls).toEqual([]);
  });

  it('reads the cached role credentials of a role over a credential_process base (a role, no MFA session)', async () => {
    const env = setup({ storedKey: false });
    const c = chain('dev', [{}], { base: { profile: 'proc', kind: 'credential-process', command: '/bin/creds' } });
    expect(planCredentials(c, {}).useSession).toBe(false);
    seed(env, c, 'role', temp('ASIACACHEDROLE00001', 30 * MIN));
    expect((await readCachedResult(planCredentials(c, {}), env.deps))?.accessKeyId).toBe('ASIACACHEDROLE00001');
  });

  it('reads the cached credentials of a web identity profile without a role (a base with its own cache)', async () => {
    const env = setup({ storedKey: false });
    const base = {
      profile: 'ci',
      kind: 'web-identity' as const,
      webIdentity: { roleArn: ROLE('ci'), tokenFile: '/run/token', roleSessionName: 'ci-run' },
    };
    const c = chain('ci', [], { base, mfaSerial: undefined });
    expect(planCredentials(c, {}).useSession).toBe(false);
    seed(env, c, 'role', temp('ASIACACHEDWEBID0001', 30 * MIN));
    expect((await readCachedResult(planCredentials(c, {}), env.deps))?.accessKeyId).toBe('ASIACACHEDWEBID0001');
  });

  it('reads the cached MFA session of a key profile with mfa_serial and no role (an MFA session, no role)', async () => {
    const env = setup();
    const c = chain('user', []);
    expect(planCredentials(c, {}).useSession).toBe(true);
    seed(env, c, 'session', temp('ASIACACHEDSESSION01', 30 * MIN));
    expect((await readCachedResult(planCredentials(c, {}), env.deps))?.accessKeyId).toBe('ASIACACHEDSESSION01');
  });
});

describe('resolveCredentials: every base', () => {
  it('credential_process printing a long-lived key: no MFA session, the MFA code goes on AssumeRole (as the AWS CLI)', async () => {
    const env = setup({ credentialProcess: KEY, storedKey: false });
    const c = chain('dev', [{}], { base: { profile: 'proc', kind: 'credential-process', command: '/bin/keys' } });
    await env.resolve(c);
    expect(env.sts.calls.map((x) => x.op)).toEqual(['assumeRole']);
    expect(env.sts.callsOf('assumeRole')[0]!.input).toMatchObject({
      credentials: KEY,
      serialNumber: MFA,
      tokenCode: '123456',
    });
  });

  it('web identity: the token from the file, AssumeRoleWithWebIdentity cached under the base, a role on top uses it', async () => {
    const env = setup({ storedKey: false });
    const tokens: [string, string][] = [];
    env.deps.webIdentityToken = async (path, profile) => {
      tokens.push([path, profile]);
      return 'jwt';
    };
    const base = {
      profile: 'ci',
      kind: 'web-identity' as const,
      webIdentity: { roleArn: ROLE('ci'), tokenFile: '/run/token', roleSessionName: 'ci-run' },
    };
    const c = chain('deploy', [{}], { base, mfaSerial: undefined });
    const creds = await env.resolve(c);
    expect(tokens).toEqual([['/run/token', 'ci']]);
    const [web] = env.sts.callsOf('assumeRoleWithWebIdentity');
    expect(web!.input).toEqual({ roleArn: ROLE('ci'), roleSessionName: 'ci-run', webIdentityToken: 'jwt' });
    expect(env.sts.callsOf('assumeRole')[0]!.input.credentials).toEqual(web!.result);
    expect(creds).toEqual(env.sts.callsOf('assumeRole')[0]!.result);
    expect([...env.store.items.keys()].sort()).toEqual(['role:ci', 'role:deploy']);
    // The web identity profile alone now comes from the cache, without a token read or an STS call.
    env.sts.calls.length = 0;
    expect(await env.resolve(chain('ci', [], { base, mfaSerial: undefined }))).toEqual(web!.result);
    expect(env.sts.calls).toEqual([]);
    expect(tokens).toHaveLength(1);
  });

  it('credential_process without a role: its credentials as they are, no STS call, nothing cached', async () => {
    const fromProcess = temp('ASIAFROMPROCESS', 3600_000);
    const env = setup({ credentialProcess: fromProcess, storedKey: false });
    const c = chain('proc', [], { base: { profile: 'proc', kind: 'credential-process', command: '/bin/creds' } });
    expect(await env.resolve(c)).toEqual(fromProcess);
    expect(env.sts.calls).toEqual([]);
    expect(env.store.names('set')).toEqual([]);
    expect(env.sourcesMade.count).toBe(0);
  });

  it('web identity without role_session_name: named after the time in seconds', async () => {
    const env = setup({ storedKey: false });
    env.deps.webIdentityToken = async () => 'jwt';
    const base = {
      profile: 'ci',
      kind: 'web-identity' as const,
      webIdentity: { roleArn: ROLE('ci'), tokenFile: '/run/token' },
    };
    await env.resolve(chain('ci', [], { base, mfaSerial: undefined }));
    expect(env.sts.callsOf('assumeRoleWithWebIdentity')[0]!.input.roleSessionName).toBe(`mfa-exec-${NOW / 1000}`);
  });

  it('credential_source: its credentials go to AssumeRole with the MFA code; only the role credentials are cached', async () => {
    const env = setup({ storedKey: false });
    const instance = temp('ASIAINSTANCE', 6 * 3600_000);
    env.deps.credentialSource = async (source) => {
      expect(source).toBe('Ec2InstanceMetadata');
      return instance;
    };
    const c = chain('ec2', [{}], {
      base: { profile: 'ec2', kind: 'credential-source', source: 'Ec2InstanceMetadata' },
    });
    await env.resolve(c);
    expect(env.sts.calls.map((x) => x.op)).toEqual(['assumeRole']);
    expect(env.sts.callsOf('assumeRole')[0]!.input).toMatchObject({ credentials: instance, serialNumber: MFA });
    expect([...env.store.items.keys()]).toEqual(['role:ec2']);
  });

  it('source_identity, session tags and transitive keys reach AssumeRole; changing them is a cache miss', async () => {
    const env = setup();
    const tagged = (team: string) =>
      chain('dev', [{ sourceIdentity: 'alice', tags: [{ key: 'Team', value: team }], transitiveTagKeys: ['Team'] }]);
    await env.resolve(tagged('infra'));
    expect(env.sts.callsOf('assumeRole')[0]!.input).toMatchObject({
      sourceIdentity: 'alice',
      tags: [{ key: 'Team', value: 'infra' }],
      transitiveTagKeys: ['Team'],
    });
    await env.resolve(tagged('infra'));
    expect(env.sts.callsOf('assumeRole')).toHaveLength(1);
    await env.resolve(tagged('data'));
    expect(env.sts.callsOf('assumeRole')).toHaveLength(2);
  });

  it('an SSO base fails with one line that never says to add a key', async () => {
    const env = setup({ storedKey: false });
    const sso = { startUrl: 'https://x.awsapps.com/start', region: 'eu-west-1', accountId: '1', roleName: 'R' };
    const e = await failure(env.resolve(chain('dev', [{}], { base: { profile: 'sso', kind: 'sso', sso } })));
    expect(e.message).toContain('"sso"');
    expect(`${e.message} ${e.hint}`).not.toContain('mfa-exec add');
    expect(env.sts.calls).toEqual([]);
  });
});

describe('resolveCredentials: errors', () => {
  it('ExpiredToken on AssumeRole with a cached session: session deleted, new GetSessionToken, retried once', async () => {
    const env = setup();
    seed(env, chain('dev'), 'session', temp('ASIAREVOKEDSESSION', 8 * 3600_000));
    env.sts.failNext('ExpiredToken', 'The security token included in the request is expired', { on: 'assumeRole' });
    const creds = await env.resolve(chain('dev'));

    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole', 'getSessionToken', 'assumeRole']);
    expect(env.store.names('delete')).toEqual([`session:base:${MFA}`]);
    const session = env.sts.calls[1]!.result!;
    expect(env.sts.callsOf('assumeRole')[1]!.input.credentials).toEqual(session);
    expect(decodeEntry(env.store.items.get(`session:base:${MFA}`) ?? null)!.credentials).toEqual(session);
    expect(creds).toEqual(env.sts.calls[2]!.result);
  });

  it('ExpiredToken twice: gives up after the one retry, passing on the error the STS adapter made', async () => {
    const env = setup();
    seed(env, chain('dev'), 'session', temp('ASIAREVOKEDSESSION', 8 * 3600_000));
    env.sts.failNext('ExpiredToken', 'expired', { on: 'assumeRole', times: 2 });
    const e = await failure(env.resolve(chain('dev')));
    expect(e).toBeInstanceOf(AwsCallError);
    expect((e as AwsCallError).code).toBe('ExpiredToken');
    expect(env.sts.calls.map((c) => c.op)).toEqual(['assumeRole', 'getSessionToken', 'assumeRole']);
    expect(env.store.items.has('role:dev')).toBe(false);
  });

  it('ExpiredToken without an MFA session under the role (credential_process base): no retry, nothing deleted', async () => {
    const env = setup({ credentialProcess: temp('ASIASTALEPROCESS', 3600_000), storedKey: false });
    env.sts.failNext('ExpiredToken', 'The security token included in the request is expired', { on: 'assumeRole' });
    const c = chain('dev', [{}], {
      base: { profile: 'sso', kind: 'credential-process', command: '/bin/creds' },
    });
    const e = await failure(env.resolve(c));
    expect((e as AwsCallError).code).toBe('ExpiredToken');
    expect(env.sts.calls).toHaveLength(1);
    expect(env.store.names('delete')).toEqual([]);
  });

  it('any other STS error is passed on as it is: not retried, no code marked used, nothing cached', async () => {
    const env = setup();
    env.sts.failNext('InvalidClientTokenId', 'The security token included in the request is invalid.');
    const e = await failure(env.resolve(chain('dev')));
    expect((e as AwsCallError).code).toBe('InvalidClientTokenId');
    expect(env.sts.calls).toHaveLength(1);
    expect(env.usedCodes.marked).toEqual([]);
    expect(env.store.names('set')).toEqual([]);
  });

  it('an AccessDenied that is not about MFA is not retried and asks for no second code', async () => {
    const env = setup();
    env.sts.failNext(
      'AccessDenied',
      'User: arn:aws:iam::900000000001:user/alice is not authorized to perform: sts:AssumeRole',
      {
        on: 'assumeRole',
      },
    );
    const e = await failure(env.resolve(chain('dev'), { noSession: true }));
    expect(e.kind).toBe('sts');
    expect(env.sts.calls).toHaveLength(1);
    expect(env.source.asked).toHaveLength(1);
  });

  it('a missing stored key is a no-stored-key error, before any STS call or prompt', async () => {
    const env = setup({ storedKey: false });
    const e = await failure(env.resolve(chain('dev')));
    expect(e.kind).toBe('no-stored-key');
    expect(e.message).toContain('"base"');
    expect(e.hint).toContain('mfa-exec add base');
    expect(env.sts.calls).toEqual([]);
    expect(env.sourcesMade.count).toBe(0);
  });
});

describe('resolveCredentials: MFA codes', () => {
  it('a wrong code at an interactive source is asked again at once; the 2nd succeeds', async () => {
    const env = setup({ codes: ['111111', '222222'] });
    env.sts.failNext('AccessDenied', MFA_FAILED, { on: 'getSessionToken' });
    await env.resolve(chain('dev'));
    expect(env.sts.callsOf('getSessionToken').map((c) => c.input.tokenCode)).toEqual(['111111', '222222']);
    expect(env.source.asked).toEqual([
      { serial: MFA, attempt: 1 },
      { serial: MFA, attempt: 2 },
    ]);
    expect(env.clock.sleeps).toEqual([]);
    expect(env.usedCodes.marked).toEqual([{ serial: MFA, code: '222222' }]);
    expect(env.logger.messages.some((m) => m.level === 'info' && /rejected/.test(m.message))).toBe(true);
    expectNoSecrets(env, ['111111', '222222']);
  });

  it('three wrong codes: an mfa error, and nothing cached', async () => {
    const env = setup({ codes: ['111111', '222222', '333333', '444444'] });
    env.sts.failNext('AccessDenied', MFA_FAILED, { times: 3 });
    const e = await failure(env.resolve(chain('dev')));
    expect(e.kind).toBe('mfa');
    expect(e.exitCode).toBe(1);
    expect(e.hint).toBeTruthy();
    expect(env.sts.calls).toHaveLength(3);
    expect(env.source.asked).toHaveLength(3);
    expect(env.store.names('set')).toEqual([]);
    expect(env.usedCodes.marked).toEqual([]);
    expectNoSecrets(env, ['111111', '222222', '333333'], [e.message, e.hint ?? '']);
  });

  it('a wrong code on the no-session AssumeRole is asked again too', async () => {
    const env = setup({ codes: ['111111', '222222'] });
    env.sts.failNext('AccessDenied', MFA_FAILED, { on: 'assumeRole' });
    await env.resolve(chain('dev'), { noSession: true });
    expect(env.sts.callsOf('assumeRole').map((c) => c.input.tokenCode)).toEqual(['111111', '222222']);
  });

  it('a code that is not 6 digits is never sent to STS; surrounding blanks are trimmed', async () => {
    const env = setup({ codes: ['12345', '12345a', ' 654321\n'] });
    await env.resolve(chain('dev'));
    expect(env.sts.callsOf('getSessionToken').map((c) => c.input.tokenCode)).toEqual(['654321']);
    expect(env.source.asked).toHaveLength(3);
  });

  it('a malformed code from a one-try source fails without any STS call', async () => {
    const env = setup({ codes: ['1234567'], interactive: false, maxTries: 1 });
    const e = await failure(env.resolve(chain('dev')));
    expect(e.kind).toBe('mfa');
    expect(e.message).not.toContain('1234567');
    expect(env.sts.calls).toEqual([]);
    expect(env.clock.sleeps).toEqual([]);
  });

  it('a code AWS already accepted is never resent: an interactive source is asked again at once', async () => {
    const env = setup({ codes: ['123456', '654321'], used: ['123456'] });
    await env.resolve(chain('dev'));
    expect(env.sts.callsOf('getSessionToken').map((c) => c.input.tokenCode)).toEqual(['654321']);
    expect(env.clock.sleeps).toEqual([]);
  });

  it('a code AWS already accepted: a non-interactive source is run again after the 30 s window turns', async () => {
    const env = setup({ codes: ['123456', '654321'], used: ['123456'], interactive: false, maxTries: 2 });
    await env.resolve(chain('dev'));
    // 10 s into the window: 20 s to its end, plus 1 s of margin.
    expect(env.clock.sleeps).toEqual([21_000]);
    expect(env.sts.callsOf('getSessionToken').map((c) => c.input.tokenCode)).toEqual(['654321']);
    expect(env.logger.messages.some((m) => m.level === 'info' && m.message.includes('21s'))).toBe(true);
    expectNoSecrets(env, ['123456', '654321']);
  });

  it('a code AWS rejected: a non-interactive source is run again after the window turns', async () => {
    const env = setup({ codes: ['111111', '222222'], interactive: false, maxTries: 2 });
    env.sts.failNext('AccessDenied', MFA_FAILED);
    await env.resolve(chain('dev'));
    expect(env.clock.sleeps).toEqual([21_000]);
    expect(env.sts.callsOf('getSessionToken').map((c) => c.input.tokenCode)).toEqual(['111111', '222222']);
  });

  it('--mfa-token (one try) rejected: an mfa error at once, no sleep, no second try', async () => {
    const env = setup({ codes: ['111111'], interactive: false, maxTries: 1 });
    env.sts.failNext('AccessDenied', MFA_FAILED);
    const e = await failure(env.resolve(chain('dev')));
    expect(e.kind).toBe('mfa');
    expect(env.sts.calls).toHaveLength(1);
    expect(env.clock.sleeps).toEqual([]);
    expect(env.source.asked).toHaveLength(1);
  });

  it('--mfa-token with a code already used: an mfa error without calling STS', async () => {
    const env = setup({ codes: ['123456'], interactive: false, maxTries: 1, used: ['123456'] });
    const e = await failure(env.resolve(chain('dev')));
    expect(e.kind).toBe('mfa');
    expect(e.message).toMatch(/already used/);
    expect(e.message).not.toContain('123456');
    expect(env.sts.calls).toEqual([]);
    expect(env.clock.sleeps).toEqual([]);
  });
});

describe('resolveCredentials: what MFA code failures say', () => {
  const infos = (env: Env) => env.logger.messages.filter((m) => m.level === 'info').map((m) => m.message);

  it('a mistyped code at a terminal: told it is 6 digits, asked again', async () => {
    const env = setup({ codes: ['12345', '654321'] });
    await env.resolve(chain('dev'));
    expect(infos(env)).toEqual(['an MFA code is 6 digits; try again']);
  });

  it('a program printing something else than 6 digits fails at once, even with tries left, naming the source and the device', async () => {
    const env = setup({ codes: ['12345', '654321'], interactive: false, maxTries: 2 });
    const e = await failure(env.resolve(chain('dev')));
    expect(e.kind).toBe('mfa');
    expect(e.message).toBe('the MFA code from the scripted source is not 6 digits');
    expect(e.hint).toBe(`give the current 6-digit code of the device ${MFA}`);
    expect(env.source.asked).toHaveLength(1);
    expect(env.clock.sleeps).toEqual([]);
  });

  it('a code already used, typed at a terminal: told when the next code shows (20 s, 10 s into the window)', async () => {
    const env = setup({ codes: ['123456', '654321'], used: ['123456'] });
    await env.resolve(chain('dev'));
    expect(infos(env)).toEqual([
      'that MFA code was already used once and AWS would reject it; type the next code, which the device shows in 20 s',
    ]);
  });

  it('a code already used on the last try at a terminal: an mfa error saying when the next code shows', async () => {
    const env = setup({ codes: ['123456', '123456'], used: ['123456'], maxTries: 2 });
    const e = await failure(env.resolve(chain('dev')));
    expect(e.kind).toBe('mfa');
    expect(e.message).toBe(`the MFA code for ${MFA} was already used once, and AWS rejects a code used twice`);
    expect(e.hint).toBe('run again with the next code, which the device shows in 20 s');
    expect(env.source.asked).toHaveLength(2);
    expect(env.sts.calls).toEqual([]);
  });

  it('the next code shows at the turn of the 30 s window, counted from the clock', async () => {
    const env = setup({ codes: ['123456'], used: ['123456'], interactive: false, maxTries: 1 });
    env.clock.advance(19_500); // 29.5 s into the window
    const e = await failure(env.resolve(chain('dev')));
    expect(e.hint).toBe('run again with the next code, which the device shows in 1 s');
  });

  it('codes AWS rejects on every try: an mfa error naming the device, carrying the AWS answer as its cause', async () => {
    const env = setup({ codes: ['111111', '222222'], maxTries: 2 });
    env.sts.failNext('AccessDenied', MFA_FAILED, { times: 2 });
    const e = await failure(env.resolve(chain('dev')));
    expect(e.message).toBe(`AWS rejected the MFA code for ${MFA}`);
    expect(e.cause).toBeInstanceOf(AwsCallError);
    expect(infos(env)).toEqual(['AWS rejected the MFA code; try again']);
  });
});

describe('resolveCredentials: lock', () => {
  it("takes the plan's lock on the cold path and calls STS while holding it", async () => {
    const env = setup();
    const heldDuringCalls: boolean[] = [];
    env.sts.onCall = () => heldDuringCalls.push(env.lock.held);
    const plan = planCredentials(chain('dev'), {});
    await resolveCredentials(plan, env.deps);
    expect(env.lock.names).toEqual([plan.lockName]);
    expect(heldDuringCalls).toEqual([true, true]);
  });

  it('stores the session and the result while still holding the lock (a waiting process must find them)', async () => {
    const env = setup();
    const heldAtSet: [string, boolean][] = [];
    const set = env.store.set.bind(env.store);
    env.store.set = async (name, value) => {
      heldAtSet.push([name, env.lock.held]);
      return set(name, value);
    };
    await env.resolve(chain('dev'));
    expect(heldAtSet).toEqual([
      [`session:base:${MFA}`, true],
      ['role:dev', true],
    ]);
  });

  it('uses a result another process stored while this one waited for the lock, without STS or a prompt', async () => {
    const env = setup();
    const fromOther = temp('ASIAFROMOTHERPROCESS', 3600_000);
    env.lock.beforeRun = () => seed(env, chain('dev'), 'role', fromOther);
    const creds = await env.resolve(chain('dev'));
    expect(creds).toEqual(fromOther);
    expect(env.lock.names).toHaveLength(1);
    expect(env.sts.calls).toEqual([]);
    expect(env.sourcesMade.count).toBe(0);
  });
});

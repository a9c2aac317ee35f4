// core/providers/sso.ts with a fake SsoPort: which token is tried in which order, what is
// refreshed, what is kept in the store, and when the device flow runs.

import { describe, expect, it } from 'vitest';
import { checkSsoToken } from '../../src/core/doctor.js';
import { AwsCallError, MfaExecError } from '../../src/core/errors.js';
import { sso, type SsoBase } from '../../src/core/providers/sso.js';
import { decodeSsoToken, encodeSsoToken, ssoTokenItem, type SsoToken } from '../../src/core/store-items.js';
import { FakeClock, FakeSsoPort, MemoryStore, RecordingLock, RecordingLogger } from '../support/fakes.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const BASE: SsoBase = {
  profile: 'dev',
  session: 'corp',
  startUrl: 'https://corp.awsapps.com/start',
  region: 'eu-west-1',
  accountId: '111122223333',
  roleName: 'Dev',
};
const token = (name: string, minutes: number, refresh = true): SsoToken => ({
  accessToken: `access-${name}`,
  expiresAt: new Date(NOW + minutes * 60_000),
  ...(refresh && {
    refreshToken: `refresh-${name}`,
    clientId: 'client',
    clientSecret: 'secret',
    registrationExpiresAt: new Date(NOW + 86400_000),
  }),
});

const setup = () => {
  const port = new FakeSsoPort();
  const store = new MemoryStore();
  const lock = new RecordingLock();
  const deps = { store, clock: new FakeClock(NOW), logger: new RecordingLogger(), lock, sso: port };
  return { port, store, lock, deps, run: () => sso(BASE, deps)() };
};

/** The portal refreshes tokens, then refuses the tokens it refreshed (GetRoleCredentials). */
function refreshedTokensRefused(port: FakeSsoPort): void {
  const refresh = port.refreshToken.bind(port);
  port.refreshToken = async (t: SsoToken) => {
    const fresh = await refresh(t);
    port.valid.delete(fresh.accessToken);
    return fresh;
  };
}

describe('sso provider', () => {
  it('uses a usable AWS CLI token first and writes nothing', async () => {
    const { port, store, run } = setup();
    port.cli = token('cli', 60);
    port.valid.add('access-cli');
    await expect(run()).resolves.toMatchObject({ accessKeyId: 'ASIA-Dev' });
    expect(port.calls).toEqual(['read corp', 'get access-cli']);
    expect(store.calls.filter((c) => c.op !== 'get')).toEqual([]);
  });

  it('a CLI token within 5 minutes of expiry is not used: the stored one is', async () => {
    const { port, store, run } = setup();
    port.cli = token('cli', 4);
    port.valid.add('access-cli').add('access-ours');
    store.items.set(ssoTokenItem('corp'), encodeSsoToken(token('ours', 60)));
    await run();
    expect(port.calls).toEqual(['read corp', 'get access-ours']);
  });

  it('the legacy form is keyed by the start URL', async () => {
    const { port, deps } = setup();
    port.cli = token('cli', 60);
    port.valid.add('access-cli');
    await sso({ ...BASE, session: undefined }, deps)();
    expect(port.calls[0]).toBe('read https://corp.awsapps.com/start');
  });

  it('refreshes an expired CLI token into the store (never the file), then uses it', async () => {
    const { port, store, run } = setup();
    port.cli = token('cli', -10);
    port.refreshable.add('refresh-cli');
    await run();
    expect(port.calls).toEqual(['read corp', 'refresh refresh-cli', 'get access-cli+r']);
    const kept = decodeSsoToken(store.items.get(ssoTokenItem('corp')));
    expect(kept).toMatchObject({ accessToken: 'access-cli+r', refreshToken: 'refresh-cli', clientId: 'client' });
  });

  it("tries the store's refresh token before the CLI's, and falls back to the CLI's when it is refused", async () => {
    const { port, store, run } = setup();
    port.cli = token('cli', -10);
    store.items.set(ssoTokenItem('corp'), encodeSsoToken(token('ours', -10)));
    port.refreshable.add('refresh-cli');
    await run();
    expect(port.calls).toEqual(['read corp', 'refresh refresh-ours', 'refresh refresh-cli', 'get access-cli+r']);
  });

  it('a token refused by the portal (signed out) leads to the device flow, whose token is stored', async () => {
    const { port, store, run } = setup();
    port.cli = token('cli', 60, false);
    port.signInToken = token('new', 480);
    await run();
    expect(port.calls).toEqual([
      'read corp',
      'get access-cli',
      'sign-in https://corp.awsapps.com/start',
      'get access-new',
    ]);
    expect(decodeSsoToken(store.items.get(ssoTokenItem('corp')))?.accessToken).toBe('access-new');
  });

  it('no token anywhere: the device flow, under the lock of the SSO session', async () => {
    const { port, lock, run } = setup();
    port.signInToken = token('new', 480);
    let heldDuringSignIn = false;
    const signIn = port.signIn.bind(port);
    port.signIn = async (b) => {
      heldDuringSignIn = lock.held;
      return signIn(b);
    };
    await expect(run()).resolves.toMatchObject({ accessKeyId: 'ASIA-Dev' });
    expect(port.calls).toEqual(['read corp', 'sign-in https://corp.awsapps.com/start', 'get access-new']);
    expect(lock.names).toEqual(['sso-token\u0000corp']);
    expect(heldDuringSignIn).toBe(true);
  });

  it('a usable AWS CLI token takes no lock', async () => {
    const { port, lock, run } = setup();
    port.cli = token('cli', 60);
    port.valid.add('access-cli');
    await run();
    expect(lock.names).toEqual([]);
  });

  it('a refresh token whose client registration expired is not tried', async () => {
    const { port, run } = setup();
    port.cli = { ...token('cli', -10), registrationExpiresAt: new Date(NOW - 1000) };
    port.refreshable.add('refresh-cli');
    port.signInToken = token('new', 480);
    await run();
    expect(port.calls).not.toContain('refresh refresh-cli');
  });

  it('errors other than a refused token are not swallowed', async () => {
    const { port, run } = setup();
    port.cli = token('cli', 60);
    port.getRoleCredentials = async () => {
      throw new Error('network down');
    };
    await expect(run()).rejects.toThrow('network down');
  });
});

describe('sso provider: boundaries and fall-backs', () => {
  it('a token with exactly 5 minutes left is not used; with 5 minutes and 1 second it is', async () => {
    const { port, store, run } = setup();
    port.cli = token('cli', 5);
    port.valid.add('access-cli').add('access-ours');
    store.items.set(ssoTokenItem('corp'), encodeSsoToken(token('ours', 60)));
    await run();
    expect(port.calls).toEqual(['read corp', 'get access-ours']);
    port.calls = [];
    port.cli = { ...token('cli', 5), expiresAt: new Date(NOW + 5 * 60_000 + 1000) };
    await run();
    expect(port.calls).toEqual(['read corp', 'get access-cli']);
  });

  it('a refresh token without a registration expiry is tried; one whose registration ends now is not', async () => {
    const { port, run } = setup();
    port.cli = { ...token('cli', -10), registrationExpiresAt: undefined };
    port.refreshable.add('refresh-cli');
    await run();
    expect(port.calls).toEqual(['read corp', 'refresh refresh-cli', 'get access-cli+r']);
    const other = setup();
    other.port.cli = { ...token('cli', -10), registrationExpiresAt: new Date(NOW) };
    other.port.refreshable.add('refresh-cli');
    other.port.signInToken = token('new', 480);
    await other.run();
    expect(other.port.calls).not.toContain('refresh refresh-cli');
  });

  it('a stored token refused by the portal is refreshed', async () => {
    const { port, store, run } = setup();
    store.items.set(ssoTokenItem('corp'), encodeSsoToken(token('ours', 60)));
    port.refreshable.add('refresh-ours');
    await expect(run()).resolves.toMatchObject({ accessKeyId: 'ASIA-Dev' });
    expect(port.calls).toEqual(['read corp', 'get access-ours', 'refresh refresh-ours', 'get access-ours+r']);
  });

  it('a refreshed token the portal refuses leads to the device flow, which drops the stored token first', async () => {
    const { port, store, run } = setup();
    store.items.set(ssoTokenItem('corp'), encodeSsoToken(token('ours', -10)));
    port.refreshable.add('refresh-ours');
    refreshedTokensRefused(port);
    port.signInToken = token('new', 480);
    await expect(run()).resolves.toMatchObject({ accessKeyId: 'ASIA-Dev' });
    expect(port.calls).toEqual([
      'read corp',
      'refresh refresh-ours',
      'get access-ours+r',
      'sign-in https://corp.awsapps.com/start',
      'get access-new',
    ]);
    expect(store.names('delete')).toEqual([ssoTokenItem('corp')]);
  });

  it('a sign-in that fails leaves no stale token of ours in the store', async () => {
    const { store, run } = setup();
    store.items.set(ssoTokenItem('corp'), encodeSsoToken(token('ours', -10, false)));
    const e = await run().catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'mfa', message: 'profile "dev" needs an IAM Identity Center sign-in' });
    expect(store.items.has(ssoTokenItem('corp'))).toBe(false);
  });

  it('a sign-in with nothing stored writes only the new token', async () => {
    const { port, store, run } = setup();
    port.signInToken = token('new', 480);
    await run();
    expect(store.calls.filter((c) => c.op !== 'get')).toEqual([{ op: 'set', name: ssoTokenItem('corp') }]);
  });

  it('a token refused right after the sign-in issued it is an sts error naming the profile', async () => {
    const { port, run } = setup();
    port.signInToken = token('new', 480);
    port.getRoleCredentials = async () => {
      throw new AwsCallError('UnauthorizedException', 'Session token not found');
    };
    const e = await run().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MfaExecError);
    expect(e).toMatchObject({
      kind: 'sts',
      message: 'IAM Identity Center refused the token it just issued for profile "dev"',
      hint: 'check sso_start_url and sso_region, then run `aws sso login --profile dev` or re-run',
    });
  });

  it('an AWS error other than UnauthorizedException from GetRoleCredentials is passed on, with no sign-in', async () => {
    const { port, run } = setup();
    port.cli = token('cli', 60);
    port.signInToken = token('new', 480);
    port.getRoleCredentials = async (accessToken) => {
      port.calls.push(`get ${accessToken}`);
      throw new AwsCallError('ForbiddenException', 'No access');
    };
    await expect(run()).rejects.toMatchObject({ code: 'ForbiddenException' });
    expect(port.calls).toEqual(['read corp', 'get access-cli']);
  });

  it('an error other than an AWS answer during a refresh is passed on, with no sign-in', async () => {
    const { port, run } = setup();
    port.cli = token('cli', -10);
    port.signInToken = token('new', 480);
    port.refreshToken = async () => {
      throw new Error('network down');
    };
    await expect(run()).rejects.toThrow('network down');
    expect(port.calls).toEqual(['read corp']);
  });
});

describe('sso provider: the debug trace (--debug)', () => {
  it('says which token each GetRoleCredentials used, which were refused, and which refresh failed', async () => {
    const { port, store, deps, run } = setup();
    port.cli = token('cli', 60);
    store.items.set(ssoTokenItem('corp'), encodeSsoToken(token('ours', 60)));
    port.refreshable.add('refresh-cli');
    refreshedTokensRefused(port);
    port.signInToken = token('new', 480);
    await run();
    const get = (which: string) => `GetRoleCredentials for Dev in 111122223333 with the ${which} SSO token`;
    expect(deps.logger.messages.filter((m) => m.level === 'debug').map((m) => m.message)).toEqual([
      get('AWS CLI'),
      'IAM Identity Center refused the AWS CLI token (signed out or revoked)',
      get('stored'),
      'IAM Identity Center refused the stored token (signed out or revoked)',
      'refreshing the stored SSO token',
      'the refresh of the stored SSO token was refused: InvalidGrantException',
      'refreshing the AWS CLI SSO token',
      get('refreshed'),
      'IAM Identity Center refused the refreshed token (signed out or revoked)',
      get('new'),
    ]);
  });
});

describe('doctor: checkSsoToken', () => {
  const at = new Date(NOW);
  const files = { cliFile: '~/.aws/sso/cache/x.json', storeName: 'keychain' };
  it('ok with the expiry of the usable token, the AWS CLI one first', () => {
    expect(checkSsoToken('dev', { ...files, cli: token('cli', 90), stored: token('ours', 30) }, at)).toEqual({
      check: 'sso token',
      status: 'ok',
      message: "the AWS CLI's token (~/.aws/sso/cache/x.json) expires in 1h30m",
    });
    expect(checkSsoToken('dev', { ...files, cli: token('cli', 4), stored: token('ours', 30) }, at).message).toBe(
      'the token in the keychain expires in 30m',
    );
  });
  it('ok when an expired token can be refreshed; fail with the fix when nothing can be used', () => {
    expect(checkSsoToken('dev', { ...files, cli: token('cli', -5), stored: undefined }, at)).toMatchObject({
      status: 'ok',
      message:
        "the AWS CLI's token (~/.aws/sso/cache/x.json) has expired; mfa-exec will refresh it with its refresh token",
    });
    expect(checkSsoToken('dev', { ...files, cli: token('cli', -5, false), stored: undefined }, at)).toEqual({
      check: 'sso token',
      status: 'fail',
      message: 'the IAM Identity Center token has expired',
      fix: 'run `aws sso login --profile dev`, or `mfa-exec exec dev` at a terminal to sign in',
    });
    expect(checkSsoToken('dev', { ...files, cli: undefined, stored: undefined }, at).message).toBe(
      'no IAM Identity Center token',
    );
  });
});

describe('decodeSsoToken reads the AWS CLI cache file', () => {
  it('takes the fields the SDKs read, including the older `…UTC` timestamps', () => {
    const t = decodeSsoToken(
      JSON.stringify({
        startUrl: 'https://corp.awsapps.com/start',
        region: 'eu-west-1',
        accessToken: 'aoa',
        expiresAt: '2021-05-20T05:16:31UTC',
        clientId: 'c',
        clientSecret: 's',
        registrationExpiresAt: '2021-08-18T05:16:31Z',
        refreshToken: 'r',
      }),
    );
    expect(t).toEqual({
      accessToken: 'aoa',
      expiresAt: new Date('2021-05-20T05:16:31Z'),
      clientId: 'c',
      clientSecret: 's',
      registrationExpiresAt: new Date('2021-08-18T05:16:31Z'),
      refreshToken: 'r',
      region: 'eu-west-1',
      startUrl: 'https://corp.awsapps.com/start',
    });
  });
  it('is no token without accessToken or a readable expiresAt, or when not JSON', () => {
    expect(decodeSsoToken('{"expiresAt": "2030-01-01T00:00:00Z"}')).toBeUndefined();
    expect(decodeSsoToken('{"accessToken": "a", "expiresAt": "soon"}')).toBeUndefined();
    expect(decodeSsoToken('not json')).toBeUndefined();
    expect(decodeSsoToken('null')).toBeUndefined();
  });
});

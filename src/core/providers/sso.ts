// IAM Identity Center (SSO) as a chain base: an access token for the profile's SSO session,
// then GetRoleCredentials for its sso_account_id / sso_role_name. Which token is used, and
// where a new one is kept, is decided here; the I/O goes through SsoPort (adapters/sso.ts).

import type { SsoSettings } from '../config.js';
import { AwsCallError, MfaExecError } from '../errors.js';
import { decodeSsoToken, encodeSsoToken, ssoTokenItem, type SsoToken } from '../store-items.js';
import type { Credentials } from '../types.js';
import type { CredentialDeps, CredentialProvider } from './types.js';

/** A token is refreshed, never used, within this many seconds of its expiry (the SDKs' token window). */
export const SSO_TOKEN_REFRESH_WINDOW_SECONDS = 300;

/** An SSO base: the profile and its settings (the sso-session section merged in, or the legacy keys). */
export type SsoBase = SsoSettings & { profile: string };

/** The I/O of the SSO base (adapters/sso.ts). */
export interface SsoPort {
  /** The AWS CLI's cached token (~/.aws/sso/cache/<sha1 of cacheId>.json); undefined when absent or unreadable. */
  readCliToken(cacheId: string): Promise<SsoToken | undefined>;
  /** A new token from `token`'s refresh token (OIDC CreateToken, refresh_token grant); AwsCallError when refused. */
  refreshToken(token: SsoToken, base: SsoBase): Promise<SsoToken>;
  /** A new token from the device authorization flow (URL and code on the terminal, $BROWSER, polling). */
  signIn(base: SsoBase): Promise<SsoToken>;
  /** GetRoleCredentials with `accessToken`; AwsCallError 'UnauthorizedException' when the token is refused. */
  getRoleCredentials(accessToken: string, base: SsoBase): Promise<Credentials>;
}

/** What the SSO provider needs from the outside world. */
export type SsoDeps = Pick<CredentialDeps, 'store' | 'clock' | 'logger' | 'lock' | 'sso'>;

/** The id the AWS CLI's token cache is keyed by: the sso_session name, else the start URL. */
export function ssoCacheId(base: Pick<SsoBase, 'session' | 'startUrl'>): string {
  return base.session ?? base.startUrl;
}

/** True when `token` can be used at `now`: outside the refresh window of its expiry. */
export function isUsableToken(token: SsoToken | undefined, now: Date): token is SsoToken {
  return !!token && token.expiresAt.getTime() - now.getTime() > SSO_TOKEN_REFRESH_WINDOW_SECONDS * 1000;
}

/** True when `token` carries what a refresh takes (refresh token and a client registration still valid). */
export function isRefreshable(token: SsoToken | undefined, now: Date): token is SsoToken {
  return (
    !!token?.refreshToken &&
    !!token.clientId &&
    !!token.clientSecret &&
    (token.registrationExpiresAt === undefined || token.registrationExpiresAt.getTime() > now.getTime())
  );
}

/**
 * The provider of an SSO base's role credentials. The token tried first is the AWS CLI's
 * when it is usable: that is what the user's last `aws sso login` made and what every other
 * AWS tool uses at that moment, so a new sign-in (another identity, a revoked session) takes
 * effect in mfa-exec at once, and a stale token of ours never shadows it. Next the token
 * mfa-exec keeps in the store; then a refresh (ours first: it is the newer refresh token);
 * then the device authorization flow, under a lock per SSO session. A token mfa-exec obtains
 * or refreshes goes into the store only, never into a plain file (the AWS CLI's cache is
 * read, never written).
 */
export function sso(base: SsoBase, deps: SsoDeps): CredentialProvider {
  const roleCredentials = async (token: SsoToken, which: string): Promise<Credentials | undefined> => {
    deps.logger.debug(`GetRoleCredentials for ${base.roleName} in ${base.accountId} with the ${which} SSO token`);
    try {
      return await deps.sso.getRoleCredentials(token.accessToken, base);
    } catch (e) {
      if (!(e instanceof AwsCallError && e.code === 'UnauthorizedException')) throw e;
      deps.logger.debug(`IAM Identity Center refused the ${which} token (signed out or revoked)`);
      return undefined;
    }
  };

  return async () => {
    const cli = await deps.sso.readCliToken(ssoCacheId(base));
    if (isUsableToken(cli, deps.clock.now())) {
      const creds = await roleCredentials(cli, 'AWS CLI');
      if (creds) return creds;
    }
    // One refresh or sign-in per SSO session at a time, also across profiles that share it: a run
    // that waited finds the token the first one stored.
    return deps.lock.withLock(`sso-token\u0000${ssoCacheId(base)}`, () => fromStoreOrSignIn(cli));
  };

  async function fromStoreOrSignIn(cli: SsoToken | undefined): Promise<Credentials> {
    const item = ssoTokenItem(ssoCacheId(base));
    const { logger } = deps;
    const stored = decodeSsoToken(await deps.store.get(item));
    if (isUsableToken(stored, deps.clock.now())) {
      const creds = await roleCredentials(stored, 'stored');
      if (creds) return creds;
    }
    for (const [token, which] of [
      [stored, 'stored'],
      [cli, 'AWS CLI'],
    ] as const) {
      if (!isRefreshable(token, deps.clock.now())) continue;
      let fresh: SsoToken;
      try {
        logger.debug(`refreshing the ${which} SSO token`);
        fresh = await deps.sso.refreshToken(token, base);
      } catch (e) {
        if (!(e instanceof AwsCallError)) throw e;
        logger.debug(`the refresh of the ${which} SSO token was refused: ${e.code}`);
        continue;
      }
      await deps.store.set(item, encodeSsoToken(fresh));
      const creds = await roleCredentials(fresh, 'refreshed');
      if (creds) return creds;
    }
    if (stored) await deps.store.delete(item);
    const signedIn = await deps.sso.signIn(base);
    await deps.store.set(item, encodeSsoToken(signedIn));
    const creds = await roleCredentials(signedIn, 'new');
    if (creds) return creds;
    throw new MfaExecError(
      'sts',
      `IAM Identity Center refused the token it just issued for profile "${base.profile}"`,
      { hint: `check sso_start_url and sso_region, then run \`aws sso login --profile ${base.profile}\` or re-run` },
    );
  }
}

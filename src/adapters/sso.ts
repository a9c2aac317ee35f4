// SsoPort on the AWS CLI's token cache, @aws-sdk/client-sso-oidc and @aws-sdk/client-sso.
// The SDK clients are imported on the first SSO call only, never on the warm exec path.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AwsCallError, MfaExecError } from '../core/errors.js';
import type { SsoBase, SsoPort } from '../core/providers/sso.js';
import { decodeSsoToken, type SsoToken } from '../core/store-items.js';
import type { Credentials, Logger } from '../core/types.js';
import { openSsoVerificationPage } from './sso-browser.js';
import { openTerminal } from './tty.js';
import { moduleExports } from './module-exports.js';

/** Where and how the SSO adapter reaches its services and the user. */
export interface SsoPortSettings {
  home: string;
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Configured endpoints (AWS_ENDPOINT_URL_SSO / _SSO_OIDC, services, endpoint_url), else AWS's own. */
  portalEndpoint: string | undefined;
  oidcEndpoint: string | undefined;
}

type OidcSdk = typeof import('@aws-sdk/client-sso-oidc');
type PortalSdk = typeof import('@aws-sdk/client-sso');
let oidcSdk: Promise<OidcSdk> | undefined;
let portalSdk: Promise<PortalSdk> | undefined;

const loadOidc = () =>
  (oidcSdk ??= import('@aws-sdk/client-sso-oidc').then((m) => moduleExports(m as OidcSdk, 'SSOOIDCClient')));
const loadPortal = () =>
  (portalSdk ??= import('@aws-sdk/client-sso').then((m) => moduleExports(m as PortalSdk, 'SSOClient')));

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CLIENT_OPTIONS = { maxAttempts: 3, requestHandler: { connectionTimeout: 5000, requestTimeout: 8000 } };

/** The AWS CLI's token cache file for `cacheId` (sha1 hex of the sso_session name or start URL), as the SDKs name it. */
export function ssoCacheFile(home: string, cacheId: string): string {
  return join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(cacheId, 'utf8').digest('hex')}.json`);
}

/** An SsoPort for `settings`. */
export function createSsoPort(settings: SsoPortSettings): SsoPort {
  const { logger } = settings;
  const oidc = async (base: SsoBase) => {
    const sdk = await loadOidc();
    const client = new sdk.SSOOIDCClient({
      region: base.region,
      ...(settings.oidcEndpoint ? { endpoint: settings.oidcEndpoint } : {}),
      ...CLIENT_OPTIONS,
    });
    return { sdk, client };
  };
  const call = async <T>(base: SsoBase, service: 'portal' | 'oidc', run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      throw toTypedError(e, base, service === 'portal' ? settings.portalEndpoint : settings.oidcEndpoint);
    }
  };

  return {
    async readCliToken(cacheId) {
      const path = ssoCacheFile(settings.home, cacheId);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        logger.debug(`no AWS CLI SSO token in ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
        return undefined;
      }
      const token = decodeSsoToken(text);
      if (!token) logger.debug(`the AWS CLI SSO token in ${path} is not one (ignored)`);
      return token;
    },

    refreshToken: (token, base) =>
      call(base, 'oidc', async () => {
        const { sdk, client } = await oidc(base);
        const out = await client.send(
          new sdk.CreateTokenCommand({
            clientId: token.clientId,
            clientSecret: token.clientSecret,
            refreshToken: token.refreshToken,
            grantType: 'refresh_token',
          }),
        );
        if (!out.accessToken || !out.expiresIn) throw incomplete(base);
        return {
          ...token,
          accessToken: out.accessToken,
          expiresAt: new Date(Date.now() + out.expiresIn * 1000),
          // A refresh answer without a new refresh token leaves the old one in force.
          refreshToken: out.refreshToken ?? token.refreshToken,
        };
      }),

    signIn: (base) => signIn(base, settings, oidc, call),

    getRoleCredentials: (accessToken, base) =>
      call(base, 'portal', async () => {
        const sdk = await loadPortal();
        const client = new sdk.SSOClient({
          region: base.region,
          ...(settings.portalEndpoint ? { endpoint: settings.portalEndpoint } : {}),
          ...CLIENT_OPTIONS,
        });
        const out = await client.send(
          new sdk.GetRoleCredentialsCommand({ accessToken, accountId: base.accountId, roleName: base.roleName }),
        );
        const c = out.roleCredentials;
        if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration) throw incomplete(base);
        const expiration = new Date(c.expiration);
        if (Number.isNaN(expiration.getTime()) || expiration.getTime() <= Date.now()) {
          throw new MfaExecError(
            'sts',
            `IAM Identity Center gave credentials for profile "${base.profile}" that are already expired`,
            { hint: 'check the system clock, then retry' },
          );
        }
        return {
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          sessionToken: c.sessionToken,
          expiration,
        } satisfies Credentials;
      }),
  };
}

/** The device authorization flow (RFC 8628) with the SSO OIDC service, as `aws sso login` runs it. */
async function signIn(
  base: SsoBase,
  settings: SsoPortSettings,
  oidc: (base: SsoBase) => Promise<{ sdk: OidcSdk; client: InstanceType<OidcSdk['SSOOIDCClient']> }>,
  call: <T>(base: SsoBase, service: 'portal' | 'oidc', run: () => Promise<T>) => Promise<T>,
): Promise<SsoToken> {
  const { logger, env } = settings;
  const tty = openTerminal();
  tty?.close();
  // Someone has to open the page and type the code: a person at the terminal, or $BROWSER.
  if (!tty && !env.BROWSER) {
    throw new MfaExecError(
      'mfa',
      `profile "${base.profile}" needs an IAM Identity Center sign-in, and there is no terminal to show it on`,
      { hint: `run \`aws sso login --profile ${base.profile}\`, or re-run mfa-exec at a terminal to sign in` },
    );
  }
  const { sdk, client } = await oidc(base);
  const registered = await call(base, 'oidc', () =>
    client.send(
      new sdk.RegisterClientCommand({
        clientName: `mfa-exec-${Math.floor(Date.now() / 1000)}`,
        clientType: 'public',
        // As the AWS CLI: an sso-session registers with its scopes (default sso:account:access), which brings a
        // refresh token; the legacy form registers without.
        ...(base.session !== undefined ? { scopes: registrationScopes(base.registrationScopes) } : {}),
      }),
    ),
  );
  if (!registered.clientId || !registered.clientSecret) throw incomplete(base);
  const registration = { clientId: registered.clientId, clientSecret: registered.clientSecret };
  const auth = await call(base, 'oidc', () =>
    client.send(new sdk.StartDeviceAuthorizationCommand({ ...registration, startUrl: base.startUrl })),
  );
  if (!auth.deviceCode || !auth.userCode || !auth.verificationUri) throw incomplete(base);
  const expiresIn = auth.expiresIn ?? 600;
  logger.info(
    `sign in to IAM Identity Center for profile "${base.profile}": open ${auth.verificationUri} and confirm the code ${auth.userCode} (waiting up to ${Math.ceil(expiresIn / 60)} min)`,
  );
  await openSsoVerificationPage(auth.verificationUriComplete ?? auth.verificationUri, {
    env,
    logger,
    interactive: !!tty,
  });

  const deadline = Date.now() + expiresIn * 1000;
  let interval = Math.max(1, auth.interval ?? 5);
  const expired = () =>
    new MfaExecError('mfa', `the IAM Identity Center sign-in for profile "${base.profile}" was not completed in time`, {
      hint: 're-run to get a new code, or run `aws sso login --profile ' + base.profile + '`',
    });
  for (;;) {
    await new Promise((r) => setTimeout(r, interval * 1000));
    if (Date.now() >= deadline) throw expired();
    try {
      const out = await client.send(
        new sdk.CreateTokenCommand({ ...registration, grantType: DEVICE_GRANT, deviceCode: auth.deviceCode }),
      );
      if (!out.accessToken || !out.expiresIn) throw incomplete(base);
      logger.info(`signed in to IAM Identity Center (${base.startUrl})`);
      const token: SsoToken = {
        accessToken: out.accessToken,
        expiresAt: new Date(Date.now() + out.expiresIn * 1000),
        ...registration,
        region: base.region,
        startUrl: base.startUrl,
      };
      if (out.refreshToken) token.refreshToken = out.refreshToken;
      if (registered.clientSecretExpiresAt)
        token.registrationExpiresAt = new Date(registered.clientSecretExpiresAt * 1000);
      return token;
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === 'AuthorizationPendingException') continue;
      // RFC 8628 3.5: slow_down adds 5 seconds to the interval.
      if (name === 'SlowDownException') {
        interval += 5;
        continue;
      }
      if (name === 'ExpiredTokenException') throw expired();
      if (name === 'AccessDeniedException') {
        throw new MfaExecError('mfa', `the IAM Identity Center sign-in for profile "${base.profile}" was denied`, {
          hint: 're-run and allow the access in the browser',
        });
      }
      throw toTypedError(e, base, settings.oidcEndpoint);
    }
  }
}

function registrationScopes(setting: string | undefined): string[] {
  const scopes = (setting ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return scopes.length ? scopes : ['sso:account:access'];
}

function incomplete(base: SsoBase): MfaExecError {
  return new MfaExecError('sts', `IAM Identity Center answered without complete data for profile "${base.profile}"`, {
    hint: 'check AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC and sso_region',
  });
}

const NETWORK =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|TimeoutError|socket hang up/i;

/** SDK exceptions → AwsCallError (the token or grant was refused: core decides), or one line with a fix. */
function toTypedError(e: unknown, base: SsoBase, endpoint: string | undefined): unknown {
  if (e instanceof MfaExecError) return e;
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const name = err.name ?? 'Error';
  const message = (err.message ?? String(e)).split('\n')[0]!.trim();
  const login = `run \`aws sso login --profile ${base.profile}\` or re-run to sign in`;
  if (status) {
    if (name === 'UnauthorizedException' || /^Invalid(Grant|Client)Exception$|^ExpiredTokenException$/.test(name)) {
      return new AwsCallError(name, message, { hint: login, cause: e });
    }
    if (name === 'ForbiddenException' || name === 'ResourceNotFoundException') {
      return new MfaExecError(
        'sts',
        `IAM Identity Center gives no access to role "${base.roleName}" in account ${base.accountId} (profile "${base.profile}")`,
        { hint: 'check sso_account_id and sso_role_name, and that the permission set is assigned to you', cause: e },
      );
    }
    return new MfaExecError('sts', `IAM Identity Center answered ${name}: ${message}`, {
      hint: `check sso_start_url and sso_region of profile "${base.profile}"; run with --debug for details`,
      cause: e,
    });
  }
  if (NETWORK.test(`${name} ${err.code ?? ''} ${message}`)) {
    return new MfaExecError(
      'sts',
      `cannot reach IAM Identity Center at ${endpoint ?? `its endpoint in ${base.region}`}`,
      {
        hint: 'check the network, sso_region, or AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC',
        cause: e,
      },
    );
  }
  return new MfaExecError('sts', `the IAM Identity Center call failed: ${message}`, {
    hint: 'run with --debug for details',
    cause: e,
  });
}

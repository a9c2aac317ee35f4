// StsClient on @aws-sdk/client-sts, loaded only when an STS call is really made. AWS's error
// answers are translated here, once, into one-line messages naming the profile and the fix.

import type { ChainBase } from '../core/config.js';
import { checkCredentials } from '../core/credential-checks.js';
import { AwsCallError, MfaExecError, isMfaCodeRejected } from '../core/errors.js';
import type { Credentials, StsClient } from '../core/types.js';
import { moduleExports } from './module-exports.js';

/** Where and how to reach STS, and for which chain (named in the messages). */
export interface StsSettings {
  region: string | undefined;
  /** A configured endpoint (AWS_ENDPOINT_URL_STS, services, endpoint_url), else AWS's own. */
  endpoint: string | undefined;
  /** The profile named and the base of its chain; without them messages name no profile. */
  chain?: { profile: string; base: Pick<ChainBase, 'profile' | 'kind'> };
}

type Sdk = typeof import('@aws-sdk/client-sts');
let sdk: Promise<Sdk> | undefined;

/** The SDK module, imported once. */
function loadSdk(): Promise<Sdk> {
  sdk ??= import('@aws-sdk/client-sts').then((m) => moduleExports(m as Sdk, 'STSClient'));
  return sdk;
}

/** An StsClient for `settings`; the SDK is imported on the first call, not before. */
export function createStsClient(settings: StsSettings): StsClient {
  const client = async (credentials: Credentials | undefined) => {
    const { STSClient } = await loadSdk();
    return new STSClient({
      // STS is global; the SDK still needs a region to pick an endpoint and sign.
      region: settings.region ?? 'us-east-1',
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      // AssumeRoleWithWebIdentity is unsigned: the SDK sends it without credentials.
      credentials: credentials
        ? {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken,
          }
        : async () => ({ accessKeyId: '', secretAccessKey: '' }),
      // Throttling and 5xx are retried with backoff by the SDK; an unreachable STS fails within ~30 s.
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5000, requestTimeout: 8000 },
    });
  };
  const call = async <T>(what: string, run: (s: Sdk) => Promise<T>): Promise<T> => {
    try {
      return await run(await loadSdk());
    } catch (e) {
      throw translate(toTypedError(e, settings), what, settings);
    }
  };
  return {
    getSessionToken: ({ credentials, durationSeconds, serialNumber, tokenCode }) =>
      call('GetSessionToken', async (s) => {
        const out = await (
          await client(credentials)
        ).send(
          new s.GetSessionTokenCommand({
            DurationSeconds: durationSeconds,
            SerialNumber: serialNumber,
            TokenCode: tokenCode,
          }),
        );
        return fromSdk(out.Credentials, 'GetSessionToken', settings);
      }),
    assumeRole: (input) =>
      call(`AssumeRole on ${input.roleArn}`, async (s) => {
        const out = await (
          await client(input.credentials)
        ).send(
          new s.AssumeRoleCommand({
            RoleArn: input.roleArn,
            RoleSessionName: input.roleSessionName,
            DurationSeconds: input.durationSeconds,
            ExternalId: input.externalId,
            SerialNumber: input.serialNumber,
            TokenCode: input.tokenCode,
            SourceIdentity: input.sourceIdentity,
            Tags: input.tags?.map((t) => ({ Key: t.key, Value: t.value })),
            TransitiveTagKeys: input.transitiveTagKeys,
          }),
        );
        return fromSdk(out.Credentials, 'AssumeRole', settings);
      }),
    assumeRoleWithWebIdentity: (input) =>
      call(`AssumeRoleWithWebIdentity on ${input.roleArn}`, async (s) => {
        const out = await (
          await client(undefined)
        ).send(
          new s.AssumeRoleWithWebIdentityCommand({
            RoleArn: input.roleArn,
            RoleSessionName: input.roleSessionName,
            WebIdentityToken: input.webIdentityToken,
            DurationSeconds: input.durationSeconds,
          }),
        );
        return fromSdk(out.Credentials, 'AssumeRoleWithWebIdentity', settings);
      }),
  };
}

/** The credentials of an STS answer, checked (complete, no control characters, expiring in the future). */
export function fromSdk(
  c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined,
  action: string,
  settings: StsSettings,
): Credentials {
  const hint = `check the STS endpoint (${settings.endpoint ?? 'AWS default'}) and this machine's clock`;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new MfaExecError('sts', `STS (${action}) answered without complete credentials`, { hint });
  }
  return checkCredentials(
    {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    },
    { source: `STS (${action})`, now: new Date(), expirationRequired: true, hint },
  );
}

const NETWORK =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|TimeoutError|socket hang up/i;

/** SDK exceptions → AwsCallError (AWS answered) or a one-line 'sts' error (it did not). */
function toTypedError(e: unknown, settings: StsSettings): unknown {
  if (e instanceof MfaExecError) return e;
  const err = e as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const where = settings.endpoint ?? `the AWS STS endpoint${settings.region ? ` in ${settings.region}` : ''}`;
  if (err.$metadata?.httpStatusCode) {
    // AWS's own error code: a modeled exception is named e.g. ExpiredTokenException, its Code is ExpiredToken.
    const code = err.Code ?? err.name ?? 'Unknown';
    if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(code)) {
      return new MfaExecError('sts', `STS kept throttling the request (${code}) after retries`, {
        hint: 'wait a minute and run again',
        cause: e,
      });
    }
    return new AwsCallError(code, firstLine(err.message ?? ''), { cause: e });
  }
  if (NETWORK.test(`${err.name ?? ''} ${err.code ?? ''} ${err.message ?? ''}`)) {
    return new MfaExecError('sts', `cannot reach STS at ${where}`, {
      hint: 'check the network, the region, or AWS_ENDPOINT_URL_STS / endpoint_url',
      cause: e,
    });
  }
  return new MfaExecError('sts', `the STS call failed: ${firstLine(err.message ?? String(e))}`, {
    hint: 'run with --debug for details',
    cause: e,
  });
}

/** Where the base profile's credentials come from, as a hint says it. */
const REFRESH_BASE: Record<ChainBase['kind'], string> = {
  key: 'check the system clock, then run `mfa-exec clear` and retry',
  'credential-process':
    'its credential_process printed expired credentials: refresh them (e.g. sign in again) and retry',
  sso: 'sign in to IAM Identity Center again and retry',
  'web-identity': 'its web_identity_token_file holds an expired token: let its issuer write a new one and retry',
  'credential-source': 'the credentials its credential_source gives have expired: refresh them and retry',
};

/**
 * AWS's answer as a message that names the profile and the next action. ExpiredToken stays an
 * AwsCallError (the provider tree renews an MFA session on it) and an MFA code AWS rejected stays
 * as it is (the MFA step asks again); both carry the user's message.
 */
function translate(e: unknown, what: string, settings: StsSettings): unknown {
  if (!(e instanceof AwsCallError)) return e;
  const named = settings.chain?.profile;
  const base = settings.chain?.base;
  const forProfile = named === undefined ? '' : ` for profile "${named}"`;
  const stored = base?.kind === 'key';
  const baseName = base ? `profile "${base.profile}"` : 'the profile';
  switch (e.code) {
    case 'InvalidClientTokenId':
      return new MfaExecError(
        'sts',
        stored
          ? `AWS does not recognise the access key stored for ${baseName} (deleted or deactivated)`
          : `AWS does not recognise the credentials of ${baseName}`,
        {
          hint: stored
            ? `store a working key with \`mfa-exec add ${base.profile}\``
            : REFRESH_BASE[base?.kind ?? 'key'],
          cause: e,
        },
      );
    case 'SignatureDoesNotMatch':
      return new MfaExecError(
        'sts',
        stored
          ? `the secret key stored for ${baseName} does not match its access key id`
          : `the secret key of ${baseName} does not match its access key id`,
        {
          hint: stored
            ? `store the right key with \`mfa-exec add ${base.profile}\``
            : REFRESH_BASE[base?.kind ?? 'key'],
          cause: e,
        },
      );
    case 'AccessDenied':
      if (isMfaCodeRejected(e)) return e;
      return new MfaExecError('sts', `${what} was denied${forProfile}: ${e.awsMessage}`, {
        hint: what.startsWith('AssumeRoleWithWebIdentity')
          ? "check the role's trust policy for the token's issuer and audience"
          : 'check the role trust policy and whether it requires MFA, mfa_serial, and that the user may call sts:AssumeRole on it',
        cause: e,
      });
    case 'ExpiredToken':
      return new AwsCallError(e.code, e.awsMessage, {
        message: `AWS refused the credentials of ${baseName} as expired`,
        hint: REFRESH_BASE[base?.kind ?? 'key'],
        cause: e,
      });
    case 'ExpiredTokenException':
    case 'InvalidIdentityToken':
    case 'IDPRejectedClaim':
      return new MfaExecError('sts', `${what} refused the web identity token${forProfile}: ${e.awsMessage}`, {
        hint: REFRESH_BASE['web-identity'].replace('holds an expired token', 'must hold a valid, unexpired token'),
        cause: e,
      });
    default:
      return new MfaExecError('sts', `${what} failed${forProfile}: ${e.code}: ${e.awsMessage}`, {
        hint: 'check the profile settings; run with --debug for details',
        cause: e,
      });
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

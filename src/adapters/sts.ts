// StsClient on @aws-sdk/client-sts, loaded only when an STS call is really made.

import { checkCredentials } from '../core/credential-checks.js';
import { AwsCallError, MfaExecError } from '../core/errors.js';
import type { Credentials, StsClient } from '../core/types.js';

/** Where and how to reach STS. */
export interface StsSettings {
  region: string | undefined;
  /** A configured endpoint (AWS_ENDPOINT_URL_STS, services, endpoint_url), else AWS's own. */
  endpoint: string | undefined;
}

type Sdk = typeof import('@aws-sdk/client-sts');
let sdk: Promise<Sdk> | undefined;

/** The SDK module, imported once; a bundled CommonJS module may put its exports under `default`. */
function loadSdk(): Promise<Sdk> {
  sdk ??= import('@aws-sdk/client-sts').then((m) =>
    (m as { STSClient?: unknown }).STSClient ? m : (m as unknown as { default: Sdk }).default,
  );
  return sdk;
}

/** An StsClient for `settings`; the SDK is imported on the first call, not before. */
export function createStsClient(settings: StsSettings): StsClient {
  const client = async (credentials: Credentials) => {
    const { STSClient } = await loadSdk();
    return new STSClient({
      // STS is global; the SDK still needs a region to pick an endpoint and sign.
      region: settings.region ?? 'us-east-1',
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
      // Throttling and 5xx are retried with backoff by the SDK; an unreachable STS fails within ~30 s.
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5000, requestTimeout: 8000 },
    });
  };
  const call = async <T>(run: (s: Sdk) => Promise<T>): Promise<T> => {
    try {
      return await run(await loadSdk());
    } catch (e) {
      throw toTypedError(e, settings);
    }
  };
  return {
    getSessionToken: ({ credentials, durationSeconds, serialNumber, tokenCode }) =>
      call(async (s) => {
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
    assumeRole: ({ credentials, roleArn, roleSessionName, durationSeconds, externalId, serialNumber, tokenCode }) =>
      call(async (s) => {
        const out = await (
          await client(credentials)
        ).send(
          new s.AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: roleSessionName,
            DurationSeconds: durationSeconds,
            ExternalId: externalId,
            SerialNumber: serialNumber,
            TokenCode: tokenCode,
          }),
        );
        return fromSdk(out.Credentials, 'AssumeRole', settings);
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

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

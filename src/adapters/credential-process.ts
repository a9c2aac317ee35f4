// A source profile's credential_process: run through the shell, its stdout is the
// credential_process JSON (Version 1), as the AWS CLI and SDKs define it.

import { checkCredentials } from '../core/credential-checks.js';
import { MfaExecError } from '../core/errors.js';
import type { Credentials } from '../core/types.js';
import { spawnHelper } from './helpers.js';

const HINT = 'run the command by hand; it must print {"Version": 1, "AccessKeyId", "SecretAccessKey", …}';

/** Credentials printed by `command`; a one-line error names the profile when it fails. */
export function runCredentialProcess(
  command: string,
  profile: string,
  env: Record<string, string | undefined>,
): Promise<Credentials> {
  // No `cause` from the output: a JSON SyntaxError quotes the text around the fault, which is a secret.
  const fail = (what: string, cause?: unknown) =>
    new MfaExecError('config', `credential_process of profile "${profile}" ${what}`, { hint: HINT, cause });
  return new Promise((resolve, reject) => {
    const child = spawnHelper('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', (e) => reject(fail('could not be run', e)));
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(fail(signal ? `was killed by ${signal}` : `exited with status ${code}`));
      try {
        resolve(parseCredentialProcessOutput(out, profile, new Date()));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The credentials in a credential_process's `stdout`, checked; never quotes the output in an error. */
export function parseCredentialProcessOutput(stdout: string, profile: string, now: Date): Credentials {
  const fail = (what: string) =>
    new MfaExecError('config', `credential_process of profile "${profile}" ${what}`, { hint: HINT });
  let j: unknown;
  try {
    j = JSON.parse(stdout);
  } catch {
    throw fail('did not print valid JSON');
  }
  const o = (typeof j === 'object' && j !== null ? j : {}) as Record<string, unknown>;
  if (o.Version !== 1 || typeof o.AccessKeyId !== 'string' || typeof o.SecretAccessKey !== 'string')
    throw fail('printed JSON without Version 1, AccessKeyId and SecretAccessKey');
  if (!o.AccessKeyId || !o.SecretAccessKey) throw fail('printed an empty AccessKeyId or SecretAccessKey');
  if (o.SessionToken !== undefined && o.SessionToken !== null && typeof o.SessionToken !== 'string')
    throw fail('printed a SessionToken that is not a string');
  // Expiration may be absent (a long-lived key); when present it must be an ISO 8601 time in the future.
  const raw = o.Expiration;
  if (raw !== undefined && raw !== null && (typeof raw !== 'string' || !ISO_8601.test(raw)))
    throw fail('printed an Expiration that is not an ISO 8601 time (such as 2030-01-01T00:00:00Z)');
  return checkCredentials(
    {
      accessKeyId: o.AccessKeyId,
      secretAccessKey: o.SecretAccessKey,
      ...(typeof o.SessionToken === 'string' && o.SessionToken ? { sessionToken: o.SessionToken } : {}),
      ...(typeof raw === 'string' ? { expiration: new Date(raw) } : {}),
    },
    { source: `credential_process of profile "${profile}"`, now, expirationRequired: false, hint: HINT },
  );
}

/** An RFC 3339 / ISO 8601 date-time with a zone, as the SDKs write it. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

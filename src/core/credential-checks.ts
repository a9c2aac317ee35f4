// Credentials that come from outside (an STS answer, a credential_process's JSON) are checked
// before anything uses them: an expired set would be handed out and fail later, far from
// the cause; a newline or control character would inject lines into `export` output
// (`--format env|ini`) or a child's environment.

import { MfaExecError } from './errors.js';
import type { Credentials } from './types.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Throws a one-line 'sts' error naming `source` when a value holds a control character,
 * or when the expiration is missing (if `expirationRequired`), not a valid date, or not after `now`.
 */
export function checkCredentials(
  c: Credentials,
  o: { source: string; now: Date; expirationRequired: boolean; hint: string },
): Credentials {
  const fail = (what: string) => new MfaExecError('sts', `${o.source} ${what}`, { hint: o.hint });
  const values: [string, string | undefined][] = [
    ['AccessKeyId', c.accessKeyId],
    ['SecretAccessKey', c.secretAccessKey],
    ['SessionToken', c.sessionToken],
  ];
  // The value itself is never shown: it is a secret.
  for (const [name, value] of values) {
    if (value !== undefined && CONTROL.test(value))
      throw fail(`gave a ${name} holding a newline or control character; it was not used`);
  }
  if (c.expiration === undefined) {
    if (o.expirationRequired) throw fail('gave credentials without an expiration time; they were not used');
    return c;
  }
  if (Number.isNaN(c.expiration.getTime()))
    throw fail('gave an expiration time that is not a date; the credentials were not used');
  if (c.expiration.getTime() <= o.now.getTime())
    throw fail(`gave credentials that had already expired (at ${c.expiration.toISOString()}); they were not used`);
  return c;
}

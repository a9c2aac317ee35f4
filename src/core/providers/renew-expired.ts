// The one place ExpiredToken is handled: credentials made with a cached MFA session that
// AWS refuses as expired (revoked, or clock skew) are made again once with a new session.

import { AwsCallError } from '../errors.js';
import type { CredentialDeps, CredentialProvider } from './types.js';

/** `inner`; on ExpiredToken, the session cached under `sessionItem` is dropped and `inner` runs once more. */
export function renewExpiredSession(
  inner: CredentialProvider,
  sessionItem: string,
  deps: Pick<CredentialDeps, 'store' | 'logger'>,
): CredentialProvider {
  return async () => {
    try {
      return await inner();
    } catch (e) {
      if (!(e instanceof AwsCallError && e.code === 'ExpiredToken')) throw e;
      deps.logger.debug('the cached MFA session was refused as expired; getting a new one');
      await deps.store.delete(sessionItem);
      return inner();
    }
  };
}

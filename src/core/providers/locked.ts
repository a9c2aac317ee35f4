// A provider run under the cross-process lock, so concurrent runs share one MFA prompt and
// one set of STS calls: wrap a cached provider, and a run that waited finds what the first cached.

import type { CredentialDeps, CredentialProvider } from './types.js';

/** `inner` while holding the lock called `name`. */
export function locked(
  inner: CredentialProvider,
  name: string,
  deps: Pick<CredentialDeps, 'lock'>,
): CredentialProvider {
  return () => deps.lock.withLock(name, inner);
}

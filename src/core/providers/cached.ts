// A provider wrapped by the store: fresh cached credentials are returned without calling
// it, and what it returns is stored (aws-vault's CachedSessionProvider).

import { decodeEntry, encodeEntry, type CachedEntry } from '../store-items.js';
import type { Credentials } from '../types.js';
import type { CredentialDeps, CredentialProvider } from './types.js';

/** Credentials are refreshed, never used, within this many seconds of their expiry. */
export const REFRESH_WINDOW_SECONDS = 300;

/** Where and as what a provider's result is cached. */
export interface CacheSpec {
  item: string;
  kind: CachedEntry['kind'];
  /** The base profile of the chain (shown by list, removed with it). */
  base: string;
  /** Identifies the chain's shape; a cached entry with another fingerprint is a miss. */
  fingerprint: string;
}

/** A cached entry that can still be used at `now` (outside the refresh window). */
export function isFresh(entry: CachedEntry | undefined, fingerprint: string, now: Date): entry is CachedEntry {
  const exp = entry?.credentials.expiration;
  return (
    !!entry &&
    entry.fingerprint === fingerprint &&
    !!exp &&
    exp.getTime() - now.getTime() > REFRESH_WINDOW_SECONDS * 1000
  );
}

/** The credentials cached under `spec` if they are fresh: one store read. */
export async function readCached(
  spec: Pick<CacheSpec, 'item' | 'fingerprint'>,
  deps: Pick<CredentialDeps, 'store' | 'clock'>,
): Promise<Credentials | undefined> {
  const entry = decodeEntry(await deps.store.get(spec.item));
  return isFresh(entry, spec.fingerprint, deps.clock.now()) ? entry.credentials : undefined;
}

/** Fresh credentials cached under `spec`, else `inner` (which caches them itself): the warm path, taken before any lock. */
export function cachedOrElse(
  spec: Pick<CacheSpec, 'item' | 'fingerprint'>,
  inner: CredentialProvider,
  deps: Pick<CredentialDeps, 'store' | 'clock' | 'logger'>,
): CredentialProvider {
  return async () => {
    const hit = await readCached(spec, deps);
    if (hit) {
      deps.logger.debug(`using cached credentials (${spec.item.split(':')[0]})`);
      return hit;
    }
    return inner();
  };
}

/** `inner`, unless fresh credentials are cached under `spec`; its result is cached. */
export function cached(
  inner: CredentialProvider,
  spec: CacheSpec,
  deps: Pick<CredentialDeps, 'store' | 'clock' | 'logger'>,
): CredentialProvider {
  const store: CredentialProvider = async () => {
    const credentials = await inner();
    await deps.store.set(
      spec.item,
      encodeEntry({ kind: spec.kind, credentials, base: spec.base, fingerprint: spec.fingerprint }),
    );
    return credentials;
  };
  return cachedOrElse(spec, store, deps);
}

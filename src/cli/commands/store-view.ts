// Reading and pruning the store's items, shared by list, remove, clear and add.

import { decodeEntry, parseItemName, type CachedEntry } from '../../core/store-items.js';
import type { SecretStore } from '../../core/types.js';
import type { Context } from '../context.js';

/** A cached credential item with its parsed name. */
export interface CacheItem {
  name: string;
  kind: 'session' | 'role';
  /** role: the profile; session: the base profile. */
  owner: string;
  entry: CachedEntry | undefined;
}

/** Every cached credential in the store (keys excluded). */
export async function cacheItems(store: SecretStore, names?: string[]): Promise<CacheItem[]> {
  const out: CacheItem[] = [];
  for (const name of names ?? (await store.list())) {
    const p = parseItemName(name);
    if (!p || p.kind === 'key') continue;
    out.push({
      name,
      kind: p.kind === 'session' ? 'session' : 'role',
      owner: 'base' in p ? p.base : p.profile,
      entry: decodeEntry(await store.get(name)),
    });
  }
  return out;
}

/** Whether `item` was made from the key of `baseProfile` (an unreadable role item counts, to be safe). */
export function isDerivedFrom(item: CacheItem, baseProfile: string): boolean {
  return item.kind === 'session' ? item.owner === baseProfile : item.entry?.base === baseProfile || !item.entry;
}

/** Delete every cached credential made from the key of `baseProfile`; returns how many. */
export async function deleteDerived(store: SecretStore, baseProfile: string): Promise<number> {
  let n = 0;
  for (const item of await cacheItems(store)) {
    if (isDerivedFrom(item, baseProfile) && (await store.delete(item.name))) n++;
  }
  return n;
}

/** "keychain" or "encrypted file store", for messages. */
export function backendName(ctx: Context): string {
  return ctx.backend === 'file' ? 'encrypted file store' : 'keychain';
}

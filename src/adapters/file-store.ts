// SecretStore in encrypted files, for machines without a keychain. Two tiers:
//
// - `<dir>/store.enc`, the vault: long-lived items (keys, TOTP seeds, SSO tokens,
//   anything not known to be short-lived) sealed under a key derived by scrypt
//   (N = 2^17, r = 8, p = 1, the OWASP advice) from the passphrase.
// - `<dir>/cache.enc`, the cache: short-lived items (MFA sessions, role
//   credentials, used-code records; hours at most) sealed under a random key kept
//   only in `$XDG_RUNTIME_DIR/mfa-exec/store-keys/` (per user, 0700, memory-backed,
//   gone at logout or reboot). A warm run reads the cache and derives nothing.
//   Without such a runtime folder there is no cache: everything is in the vault.
//
// Both files: "MFXS" (vault) or "MFXC" (cache) | version=1 | log2(N) | r | p (0 0 0 in
// the cache) | salt (vault) or key id (cache) (16) | iv (12) | ciphertext | tag (16).
// The 36-byte header is the GCM additional data, so changing any byte of a file (or
// cutting it short) fails authentication. The vault's salt stays for the life of the
// file and each write takes a fresh iv, so its key is derived at most once per
// process. Every read reads the file again (another process may have written
// since: a waiter on the credentials lock must see what the holder cached). Writes
// hold `<file>.lock` (the lock of adapters/lock.ts) across read-modify-write, so two processes
// writing different items never lose one, and replace the file atomically;
// plaintext only ever exists in memory. A cache whose runtime key is gone (a
// reboot) reads as empty and is replaced on the next write.

import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
// Reads use node:fs, which Node has loaded already; node:fs/promises (~3 ms to load) only writes.
import { readFileSync, statSync, statfsSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { acquireLock, type HeldLock } from './lock.js';
import { MfaExecError } from '../core/errors.js';
import { isShortLived } from '../core/store-items.js';
import type { SecretStore } from '../core/types.js';

const VAULT_MAGIC = Buffer.from('MFXS', 'ascii');
const CACHE_MAGIC = Buffer.from('MFXC', 'ascii');
const VERSION = 1;
const HEADER_LENGTH = 4 + 1 + 3 + 16 + 12;
const TAG_LENGTH = 16;
/** scrypt for the vault: OWASP's N = 2^17, r = 8, p = 1 (~0.6 s here, paid only by runs that read the vault). */
export const VAULT_KDF: KdfParams = { log2N: 17, r: 8, p: 1 };
/** Shortest passphrase a new store accepts. */
export const MIN_PASSPHRASE_LENGTH = 8;
// statfs magic numbers of the memory-backed file systems a runtime key may live on.
const MEMORY_FS = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);

export interface KdfParams {
  log2N: number;
  r: number;
  p: number;
}

/** Derives the vault key (32 bytes) from the passphrase: the port tests count calls on. */
export type Kdf = (passphrase: string, salt: Buffer, params: KdfParams) => Promise<Buffer>;

/** scrypt, off the main thread. */
export const scryptKdf: Kdf = (passphrase, salt, params) => {
  const N = 2 ** params.log2N;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r * params.p };
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, options, (e, k) => (e ? reject(e) : resolve(k))),
  );
};

/** The store folder: $MFA_EXEC_FILE_DIR, else ~/.mfa-exec. */
export function fileStoreDir(env: Record<string, string | undefined>, home: string): string {
  return env.MFA_EXEC_FILE_DIR || join(home, '.mfa-exec');
}

export interface FileStoreOptions {
  /** The store folder (MFA_EXEC_FILE_DIR). */
  dir: string;
  /** The passphrase, asked at most once; `creating` when there is no vault yet (a new store). */
  getPassphrase: (creating: boolean) => Promise<string>;
  /** Key derivation for the vault; scrypt unless a test injects a counting one. */
  kdf?: Kdf;
  /** `$XDG_RUNTIME_DIR`; the cache tier is used only when it is ours, 0700 and memory-backed. */
  runtimeDir?: string;
  debug?: (message: string) => void;
}

interface Tier {
  get(name: string): Promise<string | null>;
  list(): Promise<string[]>;
  mutate<T>(change: (m: Map<string, string>) => { result: T; changed: boolean }): Promise<T>;
}

/** The file store: a vault under the passphrase and, with a runtime folder, a cache under a runtime key. */
export function createFileStore(opts: FileStoreOptions): SecretStore {
  const debug = opts.debug ?? (() => undefined);
  const kdf = opts.kdf ?? scryptKdf;
  let folderChecked: Promise<void> | undefined;
  const checkedDir = () => (folderChecked ??= checkFolder(opts.dir, 'the file store folder', true));
  const vault = createVault({ ...opts, kdf, debug, checkedDir });
  let cache: Promise<Tier | undefined> | undefined;
  const tierOf = async (name: string): Promise<Tier> => {
    if (!isShortLived(name) || opts.runtimeDir === undefined) return vault.tier;
    const c = await (cache ??= runtimeKeysFolder(opts.runtimeDir, debug).then((keys) => {
      if (keys === undefined) return undefined;
      vault.setShortLivedElsewhere();
      return createCache(opts.dir, keys, debug, checkedDir);
    }));
    return c ?? vault.tier;
  };

  return {
    get: async (name) => (await tierOf(name)).get(name),
    set: async (name, value) =>
      (await tierOf(name)).mutate((m) => {
        m.set(name, value);
        return { result: undefined, changed: true };
      }),
    delete: async (name) =>
      (await tierOf(name)).mutate((m) => {
        const had = m.delete(name);
        return { result: had, changed: had };
      }),
    list: async () => {
      const cacheTier = await tierOf('session:');
      const names = new Set(await vault.tier.list());
      if (cacheTier !== vault.tier) for (const n of await cacheTier.list()) names.add(n);
      return [...names];
    },
  };
}

interface Sealed {
  salt: Buffer;
  params: KdfParams;
}

// The passphrase tier. Once a cache exists, short-lived items left in it by an older
// version are ignored and dropped on its next write.
function createVault(o: FileStoreOptions & { kdf: Kdf; debug: (m: string) => void; checkedDir: () => Promise<void> }) {
  const path = join(o.dir, 'store.enc');
  let passphrase: Promise<string> | undefined;
  const keys = new Map<string, Promise<Buffer>>();
  let shortLivedElsewhere = false;
  const unreadable = (cause?: unknown): MfaExecError =>
    new MfaExecError('store', `cannot open the file store ${path}: wrong passphrase or the file was modified`, {
      hint: 'check MFA_EXEC_FILE_PASSPHRASE',
      cause,
    });

  const idOf = (s: Sealed) => `${s.salt.toString('hex')}:${s.params.log2N}:${s.params.r}:${s.params.p}`;
  const derived = new Set<string>();
  // The salt and parameters a new (or upgraded) vault will be sealed with; its key is derived
  // before the write lock is taken, so a writer never holds the lock for a derivation.
  let fresh: Sealed | undefined;

  function key(s: Sealed, creating: boolean): Promise<Buffer> {
    const id = idOf(s);
    let k = keys.get(id);
    if (!k) {
      k = (passphrase ??= o.getPassphrase(creating)).then(async (pw) => {
        o.debug(`store: deriving the key of ${path} (scrypt N=2^${s.params.log2N}, r=${s.params.r}, p=${s.params.p})`);
        const derivedKey = await o.kdf(pw, s.salt, s.params);
        derived.add(id);
        return derivedKey;
      });
      keys.set(id, k);
    }
    return k;
  }

  /** The vault's items; with `onlyDerived`, undefined instead of deriving a key not derived yet. */
  async function load(onlyDerived = false): Promise<{ items: Map<string, string>; sealed?: Sealed } | undefined> {
    await o.checkedDir();
    const bytes = await readOrNull(path);
    if (bytes === null) return { items: new Map() };
    const header = parseHeader(bytes, VAULT_MAGIC);
    if (!header) throw unreadable();
    const { log2N, r, p } = { log2N: header.meta[0], r: header.meta[1], p: header.meta[2] };
    // Bounds keep a doctored header from asking for gigabytes of memory.
    if (log2N < 14 || log2N > 20 || r < 1 || r > 16 || p < 1 || p > 4) throw unreadable();
    const sealed = { salt: header.id, params: { log2N, r, p } };
    if (onlyDerived && !derived.has(idOf(sealed))) return undefined;
    try {
      return { items: new Map(JSON.parse(unseal(bytes, await key(sealed, false)))), sealed };
    } catch (e) {
      if (e instanceof MfaExecError) throw e;
      throw unreadable(e);
    }
  }

  // A vault sealed with weaker parameters (0.1.0 used N=2^15) moves to the current ones.
  const sealingFor = (old: Sealed | undefined): Sealed =>
    old && old.params.log2N >= VAULT_KDF.log2N ? old : (fresh ??= { salt: randomBytes(16), params: VAULT_KDF });

  async function save(items: Map<string, string>, old: Sealed | undefined): Promise<void> {
    const sealed = sealingFor(old);
    const k = await key(sealed, old === undefined);
    const meta = [sealed.params.log2N, sealed.params.r, sealed.params.p] as const;
    await writeSealed(o.dir, path, seal(items, k, VAULT_MAGIC, meta, sealed.salt));
  }

  // Outside the lock: every key the write may need.
  async function prepare(): Promise<void> {
    const current = (await load())!;
    await key(sealingFor(current.sealed), current.sealed === undefined);
  }

  const visible = (items: Map<string, string>) =>
    shortLivedElsewhere ? [...items.keys()].filter((n) => !isShortLived(n)) : [...items.keys()];

  const tier: Tier = {
    get: async (name) => (await load())!.items.get(name) ?? null,
    list: async () => visible((await load())!.items),
    mutate: serialised(path, o.dir, prepare, async (change) => {
      const current = await load(true);
      // Another process created or resealed the vault meanwhile: derive its key outside the lock.
      if (current === undefined || !derived.has(idOf(sealingFor(current.sealed)))) return RETRY;
      const out = change(current.items);
      let changed = out.changed;
      if (shortLivedElsewhere)
        for (const n of [...current.items.keys()]) if (isShortLived(n)) changed = current.items.delete(n) || changed;
      if (changed) await save(current.items, current.sealed);
      return out.result;
    }),
  };
  return { tier, setShortLivedElsewhere: () => (shortLivedElsewhere = true) };
}

// The runtime-key tier: `<dir>/cache.enc` under a random key in `keysDir`, named by its id.
function createCache(dir: string, keysDir: string, debug: (m: string) => void, checkedDir: () => Promise<void>): Tier {
  const path = join(dir, 'cache.enc');
  const keys = new Map<string, Promise<Buffer | undefined>>();
  const keyFile = (id: Buffer) => join(keysDir, `${id.toString('hex')}.key`);

  const readKey = (id: Buffer) => {
    const hex = id.toString('hex');
    let k = keys.get(hex);
    if (!k) {
      k = readOrNull(keyFile(id)).then((b) => (b?.length === 32 ? b : undefined));
      keys.set(hex, k);
    }
    return k;
  };

  async function load(): Promise<{ items: Map<string, string>; id?: Buffer; key?: Buffer }> {
    await checkedDir();
    const bytes = await readOrNull(path);
    if (bytes === null) return { items: new Map() };
    const header = parseHeader(bytes, CACHE_MAGIC);
    const key = header && (await readKey(header.id));
    if (!header || !key) {
      debug(`store: the runtime key of ${path} is gone (logout or reboot): short-lived credentials start over`);
      return { items: new Map() };
    }
    try {
      return { items: new Map(JSON.parse(unseal(bytes, key))), id: header.id, key };
    } catch {
      debug(`store: ${path} does not open with its runtime key: short-lived credentials start over`);
      return { items: new Map() };
    }
  }

  async function newKey(): Promise<{ id: Buffer; key: Buffer }> {
    const id = randomBytes(16);
    const key = randomBytes(32);
    try {
      await mkdir(keysDir, { recursive: true, mode: 0o700 });
      await checkFolder(keysDir, 'the runtime key folder', false);
      const fh = await open(keyFile(id), 'wx', 0o600);
      try {
        await fh.writeFile(key);
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw ioError('write', keyFile(id), e);
    }
    keys.set(id.toString('hex'), Promise.resolve(key));
    return { id, key };
  }

  return {
    get: async (name) => (await load()).items.get(name) ?? null,
    list: async () => [...(await load()).items.keys()],
    mutate: serialised(
      path,
      dir,
      () => load(),
      async (change) => {
        const current = await load();
        const out = change(current.items);
        if (out.changed) {
          const { id, key } = current.id && current.key ? { id: current.id, key: current.key } : await newKey();
          await writeSealed(dir, path, seal(current.items, key, CACHE_MAGIC, [0, 0, 0], id));
        }
        return out.result;
      },
    ),
  };
}

type Change = (m: Map<string, string>) => { result: unknown; changed: boolean };
/** What `apply` returns when it must prepare again (outside the lock) and retry. */
const RETRY: unique symbol = Symbol('retry');

// Read-modify-write on the current file: one at a time within this instance, and across
// processes under the file lock. `prepare` (a read: the vault key) runs before the lock.
function serialised(
  path: string,
  dir: string,
  prepare: () => Promise<unknown>,
  apply: (change: Change) => Promise<unknown>,
): Tier['mutate'] {
  let writes: Promise<unknown> = Promise.resolve();
  return <T>(change: (m: Map<string, string>) => { result: T; changed: boolean }) => {
    const run = writes.then(async () => {
      for (;;) {
        await prepare();
        const release = await lockFile(dir, path);
        let result: unknown;
        try {
          result = await apply(change);
        } finally {
          await release();
        }
        if (result !== RETRY) return result as T;
      }
    });
    writes = run.catch(() => undefined);
    return run;
  };
}

/**
 * `$XDG_RUNTIME_DIR/mfa-exec/store-keys` when the runtime folder is what the XDG spec
 * promises (ours, 0700) and memory-backed (so a key never reaches a disk); else undefined.
 */
async function runtimeKeysFolder(runtimeDir: string, debug: (m: string) => void): Promise<string | undefined> {
  try {
    const st = statSync(runtimeDir);
    if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) {
      debug(`store: XDG_RUNTIME_DIR ${runtimeDir} is not a 0700 folder of yours: no short-lived cache`);
      return undefined;
    }
    if (!MEMORY_FS.has(statfsSync(runtimeDir).type)) {
      debug(`store: XDG_RUNTIME_DIR ${runtimeDir} is not memory-backed: no short-lived cache`);
      return undefined;
    }
  } catch {
    debug(`store: XDG_RUNTIME_DIR ${runtimeDir} is not usable: no short-lived cache`);
    return undefined;
  }
  return join(runtimeDir, 'mfa-exec', 'store-keys');
}

/** Refuse an existing folder that is not the user's or that group or others can write. */
async function checkFolder(dir: string, what: string, missingOk: boolean): Promise<void> {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && missingOk) return;
    throw ioError('read', dir, e);
  }
  const uid = process.getuid?.();
  if (!st.isDirectory()) {
    throw new MfaExecError('store', `${what} ${dir} is not a folder`, {
      hint: 'point MFA_EXEC_FILE_DIR at a folder of yours',
    });
  }
  if (uid !== undefined && st.uid !== uid) {
    throw new MfaExecError('store', `${what} ${dir} belongs to another user (uid ${st.uid})`, {
      hint: `set MFA_EXEC_FILE_DIR to a folder of your own, or \`chown ${uid} ${dir}\` if it is yours`,
    });
  }
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new MfaExecError('store', `${what} ${dir} is writable by group or others (mode ${mode})`, {
      hint: `run \`chmod 700 ${dir}\``,
    });
  }
}

/** JSON of `items` sealed with AES-256-GCM under `key`, header as the file layout says. */
function seal(
  items: Map<string, string>,
  key: Buffer,
  magic: Buffer,
  meta: readonly [number, number, number],
  id: Buffer,
): Buffer {
  const iv = randomBytes(12);
  const header = Buffer.concat([magic, Buffer.from([VERSION, ...meta]), id, iv]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(JSON.stringify([...items]), 'utf8'), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** The JSON text sealed in `bytes`; throws when the key is wrong or a byte changed. */
function unseal(bytes: Buffer, key: Buffer): string {
  if (bytes.length < HEADER_LENGTH + TAG_LENGTH) throw new Error('truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(HEADER_LENGTH - 12, HEADER_LENGTH));
  decipher.setAAD(bytes.subarray(0, HEADER_LENGTH));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_LENGTH));
  return Buffer.concat([
    decipher.update(bytes.subarray(HEADER_LENGTH, bytes.length - TAG_LENGTH)),
    decipher.final(),
  ]).toString('utf8');
}

// The three parameter bytes and the 16-byte salt or key id, or undefined when it is not one of ours.
function parseHeader(bytes: Buffer, magic: Buffer): { meta: [number, number, number]; id: Buffer } | undefined {
  if (bytes.length < HEADER_LENGTH + TAG_LENGTH || !bytes.subarray(0, 4).equals(magic) || bytes[4] !== VERSION)
    return undefined;
  return { meta: [bytes[5] ?? 0, bytes[6] ?? 0, bytes[7] ?? 0], id: Buffer.from(bytes.subarray(8, 24)) };
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError('read', path, e);
  }
}

async function writeSealed(dir: string, path: string, data: Buffer): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeAtomic(path, data);
  } catch (e) {
    throw ioError('write', path, e);
  }
}

// Takes `<path>.lock`, waiting up to ~15 s for another process's write; a lock left by a
// killed process is taken over at once (its pid is gone), by a frozen one after 2 s.
async function lockFile(dir: string, path: string): Promise<() => Promise<void>> {
  let held: HeldLock | undefined;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    held = await acquireLock(`${path}.lock`, { staleMs: 2000, waitMs: 15_000, pollMs: 10 });
  } catch (e) {
    throw ioError('write', path, e);
  }
  if (!held) {
    throw new MfaExecError('store', `the file store ${path} stayed locked by another mfa-exec`, {
      hint: `retry; if no mfa-exec is running, delete ${path}.lock`,
    });
  }
  const lock = held;
  return async () => lock.release();
}

// Replace `path` by `data`: 0600 temp file in the same folder, fsync, rename, fsync the folder.
async function writeAtomic(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function ioError(what: 'read' | 'write', path: string, e: unknown): MfaExecError {
  if (e instanceof MfaExecError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  return new MfaExecError('store', `cannot ${what} the file store ${path} (${code})`, {
    hint: 'check that the folder exists and is yours, or set MFA_EXEC_FILE_DIR',
    cause: e,
  });
}

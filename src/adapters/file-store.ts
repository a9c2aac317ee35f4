// SecretStore in one encrypted file, `<dir>/store.enc`, for machines without a
// keychain. All items live in one JSON document sealed with AES-256-GCM under a
// key derived by scrypt from the passphrase. File layout (binary):
//
//   "MFXS" | version=1 | log2(N) | r | p | salt (16) | iv (12) | ciphertext | tag (16)
//
// The 36-byte header is the GCM additional data, so changing any byte of the
// file (or cutting it short) fails authentication. The salt stays for the life
// of the file and each write takes a fresh iv, so the key is derived once per
// process. Every read reads the file again (another process may have written
// since: a waiter on the credentials lock must see what the holder cached).
// Writes hold `store.enc.lock` (proper-lockfile) across read-modify-write, so
// two processes writing different items never lose one, and replace the file
// atomically; plaintext only ever exists in memory.

import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { acquireLock, type HeldLock } from './lock.js';
import { MfaExecError } from '../core/errors.js';
import type { SecretStore } from '../core/types.js';

const MAGIC = Buffer.from('MFXS', 'ascii');
const VERSION = 1;
const HEADER_LENGTH = 4 + 1 + 3 + 16 + 12;
const TAG_LENGTH = 16;
// N = 2^15 costs ~140 ms per derivation here (2^14: ~75 ms), paid once per
// invocation; twice the attacker's work of 2^14 for a delay still below notice.
const DEFAULT_PARAMS: KdfParams = { log2N: 15, r: 8, p: 1 };

interface KdfParams {
  log2N: number;
  r: number;
  p: number;
}

interface Sealed {
  salt: Buffer;
  params: KdfParams;
}

interface Contents {
  items: Map<string, string>;
  /** Absent while the file does not exist yet. */
  sealed?: Sealed;
}

/** A SecretStore in `<dir>/store.enc` (dir 0700, file 0600), encrypted under `getPassphrase()` (asked at most once). */
export function createFileStore(opts: { dir: string; getPassphrase: () => Promise<string> }): SecretStore {
  const path = join(opts.dir, 'store.enc');
  let passphrase: Promise<string> | undefined;
  const keys = new Map<string, Promise<Buffer>>();
  let writes: Promise<unknown> = Promise.resolve();

  const unreadable = (cause?: unknown): MfaExecError =>
    new MfaExecError('store', `cannot open the file store ${path}: wrong passphrase or the file was modified`, {
      hint: 'check MFA_EXEC_FILE_PASSPHRASE',
      cause,
    });

  function key(s: Sealed): Promise<Buffer> {
    const id = `${s.salt.toString('hex')}:${s.params.log2N}:${s.params.r}:${s.params.p}`;
    let k = keys.get(id);
    if (!k) {
      k = (passphrase ??= opts.getPassphrase()).then((pw) => deriveKey(pw, s));
      keys.set(id, k);
    }
    return k;
  }

  async function load(): Promise<Contents> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { items: new Map() };
      throw ioError('read', path, e);
    }
    const sealed = parseHeader(bytes);
    if (!sealed || bytes.length < HEADER_LENGTH + TAG_LENGTH) throw unreadable();
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        await key(sealed),
        bytes.subarray(HEADER_LENGTH - 12, HEADER_LENGTH),
      );
      decipher.setAAD(bytes.subarray(0, HEADER_LENGTH));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_LENGTH));
      const plain = Buffer.concat([
        decipher.update(bytes.subarray(HEADER_LENGTH, bytes.length - TAG_LENGTH)),
        decipher.final(),
      ]);
      return { items: new Map(JSON.parse(plain.toString('utf8')) as [string, string][]), sealed };
    } catch (e) {
      if (e instanceof MfaExecError) throw e;
      throw unreadable(e);
    }
  }

  async function save(c: Contents): Promise<void> {
    const sealed = c.sealed ?? { salt: randomBytes(16), params: DEFAULT_PARAMS };
    const iv = randomBytes(12);
    const header = Buffer.concat([
      MAGIC,
      Buffer.from([VERSION, sealed.params.log2N, sealed.params.r, sealed.params.p]),
      sealed.salt,
      iv,
    ]);
    const cipher = createCipheriv('aes-256-gcm', await key(sealed), iv);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(JSON.stringify([...c.items]), 'utf8'), cipher.final()]);
    try {
      await mkdir(opts.dir, { recursive: true, mode: 0o700 });
      await writeAtomic(path, Buffer.concat([header, body, cipher.getAuthTag()]));
    } catch (e) {
      throw ioError('write', path, e);
    }
  }

  // Read-modify-write on the current file: one at a time within this instance, and
  // across processes under the file lock. The key is derived before taking the lock.
  function mutate<T>(change: (m: Map<string, string>) => { result: T; changed: boolean }): Promise<T> {
    const run = writes.then(async () => {
      await load();
      const release = await lockFile(opts.dir, path);
      try {
        const current = await load();
        const { result, changed } = change(current.items);
        if (changed) await save(current);
        return result;
      } finally {
        await release();
      }
    });
    writes = run.catch(() => undefined);
    return run;
  }

  const read = async (): Promise<Map<string, string>> => (await load()).items;

  return {
    get: async (name) => (await read()).get(name) ?? null,
    set: (name, value) =>
      mutate((m) => {
        m.set(name, value);
        return { result: undefined, changed: true };
      }),
    delete: (name) =>
      mutate((m) => {
        const had = m.delete(name);
        return { result: had, changed: had };
      }),
    list: async () => [...(await read()).keys()],
  };
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

// Salt and KDF parameters from a file's header, or undefined when it is not one of ours.
function parseHeader(bytes: Buffer): Sealed | undefined {
  if (bytes.length < HEADER_LENGTH || !bytes.subarray(0, 4).equals(MAGIC) || bytes[4] !== VERSION) return undefined;
  const params = { log2N: bytes[5] ?? 0, r: bytes[6] ?? 0, p: bytes[7] ?? 0 };
  // Bounds keep a doctored header from asking for gigabytes of memory.
  if (params.log2N < 14 || params.log2N > 20 || params.r < 1 || params.r > 16 || params.p < 1 || params.p > 4)
    return undefined;
  return { salt: Buffer.from(bytes.subarray(8, 24)), params };
}

function deriveKey(passphrase: string, s: Sealed): Promise<Buffer> {
  const N = 2 ** s.params.log2N;
  const options: ScryptOptions = { N, r: s.params.r, p: s.params.p, maxmem: 256 * N * s.params.r * s.params.p };
  return new Promise((resolve, reject) =>
    scrypt(passphrase, s.salt, 32, options, (e, k) => (e ? reject(e) : resolve(k))),
  );
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

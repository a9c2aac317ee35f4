import { createCipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore, scryptKdf, type Kdf } from '../../src/adapters/file-store.js';
import { MfaExecError } from '../../src/core/errors.js';

let root: string;
let dir: string;
let file: string;
const PASS = 'correct horse battery staple';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const NAME = 'key:prod_user:arn:aws:iam::1:mfa/x';

// scrypt at N=2^10 whatever the header says (the header is authenticated either way): these
// tests are about the file format, and N=2^17 costs ~1 s a derivation on a busy machine.
const cheapKdf: Kdf = (pw, salt, params) => scryptKdf(pw, salt, { ...params, log2N: 10 });
const open = (passphrase = PASS) => createFileStore({ dir, getPassphrase: async () => passphrase, kdf: cheapKdf });

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mfa-exec-file-store-'));
  dir = join(root, 'store');
  file = join(dir, 'store.enc');
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function expectUnreadable(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MfaExecError);
  const err = e as MfaExecError;
  expect(err.kind).toBe('store');
  expect(err.message).toBe(`cannot open the file store ${file}: wrong passphrase or the file was modified`);
  expect(err.hint).toContain('MFA_EXEC_FILE_PASSPHRASE');
}

describe('file store', () => {
  it('round-trips set, get, list and delete; a missing file is an empty store', async () => {
    const s = open();
    expect(await s.get(NAME)).toBeNull();
    expect(await s.list()).toEqual([]);
    expect(await s.delete(NAME)).toBe(false);
    await s.set(NAME, SECRET);
    await s.set('role:prod', 'ünïcødé ☃ '.repeat(400));
    expect(await s.get(NAME)).toBe(SECRET);
    expect(await s.get('role:prod')).toBe('ünïcødé ☃ '.repeat(400));
    expect((await s.list()).sort()).toEqual([NAME, 'role:prod']);
    expect(await s.delete(NAME)).toBe(true);
    expect(await s.get(NAME)).toBeNull();
    expect(await s.list()).toEqual(['role:prod']);
  });

  it('persists across instances', async () => {
    await open().set(NAME, SECRET);
    expect(await open().get(NAME)).toBe(SECRET);
  });

  it('creates the folder 0700 and the file 0600', async () => {
    await open().set(NAME, SECRET);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps neither the value nor the item name in the file in plain text', async () => {
    await open().set(NAME, SECRET);
    const bytes = await readFile(file);
    for (const text of [SECRET, NAME, 'prod_user', PASS]) {
      expect(bytes.includes(Buffer.from(text, 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from(text, 'utf16le'))).toBe(false);
    }
  });

  it('rejects a wrong passphrase with a typed error and leaves the file untouched', async () => {
    await open().set(NAME, SECRET);
    const before = await readFile(file);
    const wrong = open('not the passphrase');
    await expectUnreadable(wrong.get(NAME));
    await expectUnreadable(wrong.set('other', 'x'));
    await expectUnreadable(wrong.delete(NAME));
    expect((await readFile(file)).equals(before)).toBe(true);
    expect(await open().get(NAME)).toBe(SECRET);
  });

  it('detects one flipped bit in every header byte, in the ciphertext and in every tag byte', async () => {
    await open().set(NAME, SECRET);
    const good = await readFile(file);
    const body = [36, Math.floor(good.length / 2), good.length - 17];
    const indices = [...good.keys()].filter((i) => i < 36 || i >= good.length - 16 || body.includes(i));
    // One copy per byte, each in its own folder, checked in parallel (scrypt runs off the main thread).
    const errors = await Promise.all(
      indices.map(async (i) => {
        const copy = join(root, `flip-${i}`);
        const bad = Buffer.from(good);
        bad[i] = (bad[i] ?? 0) ^ 0x01;
        await mkdir(copy);
        await writeFile(join(copy, 'store.enc'), bad);
        return createFileStore({ dir: copy, getPassphrase: async () => PASS, kdf: cheapKdf })
          .get(NAME)
          .then(
            () => `byte ${i}: accepted`,
            (e: unknown) =>
              e instanceof MfaExecError && e.kind === 'store' && e.message.includes('was modified')
                ? null
                : `byte ${i}: ${String(e)}`,
          );
      }),
    );
    expect(errors.filter((e) => e !== null)).toEqual([]);
  });

  it('detects a truncated file', async () => {
    await open().set(NAME, SECRET);
    const good = await readFile(file);
    for (const length of [0, 10, 36, 52, good.length - 1]) {
      await writeFile(file, good.subarray(0, length));
      await expectUnreadable(open().get(NAME));
    }
  });

  it('does not lose items when two instances write in turn', async () => {
    const a = open();
    const b = open();
    expect(await a.get('x')).toBeNull(); // both have now read (and cached) the empty store
    expect(await b.get('x')).toBeNull();
    await a.set('key:a', 'A');
    await b.set('key:b', 'B');
    await a.set('key:a2', 'A2');
    expect(await b.delete('key:a')).toBe(true);
    expect((await open().list()).sort()).toEqual(['key:a2', 'key:b']);
  });

  it('serialises concurrent writes within one instance', async () => {
    const s = open();
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.set(`k${i}`, `v${i}`)));
    expect((await open().list()).length).toBe(10);
  });

  it('leaves no temporary files behind', async () => {
    const s = open();
    for (let i = 0; i < 5; i++) await s.set(`k${i}`, 'v');
    await s.delete('k0');
    expect(await readdir(dir)).toEqual(['store.enc']);
  });

  it('asks for the passphrase once per instance', async () => {
    let asked = 0;
    const s = createFileStore({ dir, getPassphrase: async () => (asked++, PASS), kdf: cheapKdf });
    await s.set('a', '1');
    await s.set('b', '2');
    expect(await s.get('a')).toBe('1');
    expect(asked).toBe(1);
  });
});

describe('two tiers: short-lived items under a runtime key, the rest under the passphrase', () => {
  let runtime: string;
  beforeEach(async () => {
    runtime = await mkdtemp('/dev/shm/mfa-exec-unit-run-');
  });
  afterEach(() => rm(runtime, { recursive: true, force: true }));

  /** A store instance (a process) whose KDF (cheap unless `real`) and passphrase prompts are counted. */
  function counted(runtimeDir: string | null = runtime, real = false) {
    const n = { derived: 0, asked: 0, creating: [] as boolean[] };
    const store = createFileStore({
      dir,
      runtimeDir: runtimeDir ?? undefined,
      getPassphrase: async (creating) => (n.asked++, n.creating.push(creating), PASS),
      kdf: async (pw, salt, params) => (n.derived++, (real ? scryptKdf : cheapKdf)(pw, salt, params)),
    });
    return { store, n };
  }

  it('the real KDF is scrypt at N=2^17, r=8, p=1 and the vault says so in its header', async () => {
    const { store, n } = counted(runtime, true);
    await store.set(NAME, SECRET);
    expect(n).toEqual({ derived: 1, asked: 1, creating: [true] });
    expect([...(await readFile(file)).subarray(5, 8)]).toEqual([17, 8, 1]);
    const again = counted(runtime, true);
    expect(await again.store.get(NAME)).toBe(SECRET);
    expect(again.n).toEqual({ derived: 1, asked: 1, creating: [false] });
  });

  it('a warm read of a short-lived item derives nothing and asks nothing; a reboot loses only the cache', async () => {
    const first = counted();
    await first.store.set(NAME, SECRET);
    await first.store.set('totp:arn:aws:iam::1:mfa/x', 'SEED');
    await first.store.set('sso:token', 'TOKEN');
    await first.store.set('session:base:-', 'SESSION');
    await first.store.set('role:prod', 'ROLE');
    await first.store.set('mfa-used:x', 'USED');
    expect(first.n.derived).toBe(1);
    const keyFiles = await readdir(join(runtime, 'mfa-exec', 'store-keys'));
    expect(keyFiles).toHaveLength(1);
    expect((await stat(join(runtime, 'mfa-exec', 'store-keys'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(runtime, 'mfa-exec', 'store-keys', keyFiles[0]!))).mode & 0o777).toBe(0o600);
    const cache = await readFile(join(dir, 'cache.enc'));
    for (const text of ['SESSION', 'ROLE', 'role:prod']) expect(cache.includes(Buffer.from(text))).toBe(false);

    const warm = counted();
    expect(await warm.store.get('role:prod')).toBe('ROLE');
    expect(await warm.store.get('session:base:-')).toBe('SESSION');
    await warm.store.set('role:prod', 'ROLE2');
    expect(await warm.store.delete('mfa-used:x')).toBe(true);
    expect(warm.n).toEqual({ derived: 0, asked: 0, creating: [] });

    // Reboot: the runtime folder is emptied. Short-lived items are gone, nothing else is.
    await rm(join(runtime, 'mfa-exec'), { recursive: true });
    const rebooted = counted();
    expect(await rebooted.store.get('role:prod')).toBeNull();
    expect(rebooted.n.derived).toBe(0);
    expect(await rebooted.store.get(NAME)).toBe(SECRET);
    expect(await rebooted.store.get('totp:arn:aws:iam::1:mfa/x')).toBe('SEED');
    expect(await rebooted.store.get('sso:token')).toBe('TOKEN');
    expect(rebooted.n.derived).toBe(1);
    await rebooted.store.set('role:prod', 'ROLE3');
    expect(rebooted.n.derived).toBe(1);
    const next = counted();
    expect(await next.store.get('role:prod')).toBe('ROLE3');
    expect(next.n.derived).toBe(0);
    expect((await next.store.list()).sort()).toEqual([NAME, 'role:prod', 'sso:token', 'totp:arn:aws:iam::1:mfa/x']);
  });

  it('short-lived items an older version left in the vault are ignored, and dropped on its next write', async () => {
    await counted(null).store.set('role:old', 'OLD');
    const s = counted();
    expect(await s.store.get('role:old')).toBeNull();
    expect(await s.store.list()).toEqual([]);
    await s.store.set(NAME, SECRET);
    expect(await counted(null).store.get('role:old')).toBeNull();
    expect(await counted(null).store.get(NAME)).toBe(SECRET);
  });

  it('without a runtime folder that is ours, 0700 and memory-backed, everything is in the vault', async () => {
    const onDisk = await mkdtemp(join(tmpdir(), 'mfa-exec-unit-disk-run-'));
    const candidates: string[] = [join(root, 'missing')];
    await mkdir(join(runtime, 'open'), { mode: 0o755 });
    candidates.push(join(runtime, 'open'));
    // The OS temp folder counts only where it is not itself a tmpfs.
    if ((await statfs(onDisk)).type !== 0x01021994) candidates.push(onDisk);
    for (const candidate of candidates) {
      const s = counted(candidate);
      await s.store.set('role:prod', 'ROLE');
      expect(s.n.derived).toBe(1);
      expect(await readdir(dir)).toEqual(['store.enc']);
      await rm(dir, { recursive: true });
    }
    await rm(onDisk, { recursive: true });
  });

  it('moves a store sealed with weaker scrypt parameters to N=2^17 on its next write', async () => {
    // A 0.1.0 store (N=2^15), written by hand.
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const header = Buffer.concat([Buffer.from('MFXS'), Buffer.from([1, 15, 8, 1]), salt, iv]);
    const key = await cheapKdf(PASS, salt, { log2N: 15, r: 8, p: 1 });
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(JSON.stringify([[NAME, SECRET]])), cipher.final()]);
    await mkdir(dir, { mode: 0o700 });
    await writeFile(file, Buffer.concat([header, body, cipher.getAuthTag()]));
    const s = counted();
    expect(await s.store.get(NAME)).toBe(SECRET);
    await s.store.set('key:other', 'x');
    expect([...(await readFile(file)).subarray(5, 8)]).toEqual([17, 8, 1]);
    expect(s.n.derived).toBe(2);
    expect(await counted().store.get(NAME)).toBe(SECRET);
  });

  it('refuses an existing store folder that is writable by group or others', async () => {
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o770);
    await expect(counted().store.get(NAME)).rejects.toThrow(
      `the file store folder ${dir} is writable by group or others (mode 0770)`,
    );
  });
});

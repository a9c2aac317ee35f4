import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/adapters/file-store.js';
import { MfaExecError } from '../../src/core/errors.js';

let root: string;
let dir: string;
let file: string;
const PASS = 'correct horse battery staple';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const NAME = 'key:prod_user:arn:aws:iam::1:mfa/x';

const open = (passphrase = PASS) => createFileStore({ dir, getPassphrase: async () => passphrase });

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
        return createFileStore({ dir: copy, getPassphrase: async () => PASS })
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
    const s = createFileStore({ dir, getPassphrase: async () => (asked++, PASS) });
    await s.set('a', '1');
    await s.set('b', '2');
    expect(await s.get('a')).toBe('1');
    expect(asked).toBe(1);
  });
});

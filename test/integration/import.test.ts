// Crash-safe `import --scrub`: the built CLI is killed with SIGKILL at every write, rename,
// fsync and unlink (test/support/crash-points.ts) while it moves keys from a credentials
// file (comments, [default], blank lines, CRLF) into the encrypted file store. After every
// kill each key is in the file or in the store; the file is only ever the original or the
// scrubbed text, byte for byte, with its mode; no key is in plain text in a temp file; a
// run to completion afterwards leaves the original minus exactly the key lines.

import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKey, keyItem } from '../../src/core/store-items.js';
import { BIN, makeSandbox, type Sandbox } from '../support/cli.js';
import { fileStoreOf } from '../support/fixture.js';
import { crashAtEveryPoint, plainSecretsIn } from '../support/crash-points.js';

const PROFILES = 30;
// Killed at every fixed point of a run moving this many keys (each point is a full run).
const CRASH_PROFILES = 2;
const MODE = 0o640;

interface Profile {
  name: string;
  id: string;
  secret: string;
}

const profiles: Profile[] = Array.from({ length: PROFILES }, (_, i) => ({
  name: i === 0 ? 'default' : `user${String(i).padStart(2, '0')}`,
  id: `AKIAIMPORT${String(i).padStart(10, '0')}`,
  secret: `iMpOrT/${String(i).padStart(2, '0')}/K7MDENG/bPxRfiCYEXAMPLEKEY`,
}));

// The credentials file as lines, each marked when it is a key line (removed by --scrub).
function credentialsFile(list: Profile[]): { original: string; scrubbed: string } {
  const lines: [string, boolean][] = [
    ['# credentials of the team; keep this comment', false],
    ['', false],
  ];
  list.forEach((p, i) => {
    lines.push([`[${p.name}]`, false]);
    if (i % 3 === 0) lines.push(['; a comment before the key', false]);
    lines.push([`aws_access_key_id = ${p.id}`, true]);
    if (i % 4 === 1) lines.push(['region = eu-west-1', false]);
    lines.push([i % 5 === 2 ? `aws_secret_access_key=${p.secret}` : `aws_secret_access_key = ${p.secret}`, true]);
    if (i % 2 === 0) lines.push(['output = json', false]);
    lines.push(['', false]);
    if (i === 7) lines.push(['[nokey]', false], ['region = us-east-1', false], ['', false]);
  });
  lines.push(['# the end', false]);
  // CRLF throughout: the file was last edited on Windows.
  const join = (keep: (isKey: boolean) => boolean) =>
    lines
      .filter(([, k]) => keep(k))
      .map(([t]) => `${t}\r\n`)
      .join('');
  return { original: join(() => true), scrubbed: join((k) => !k) };
}

const { original, scrubbed } = credentialsFile(profiles);
let box: Sandbox;
const storeDir = () => join(box.dir, 'store');

beforeAll(async () => {
  box = await makeSandbox({ backend: 'file' });
});
afterAll(() => box.cleanup());

function reset(text = original): void {
  writeFileSync(box.credentialsPath, text);
  chmodSync(box.credentialsPath, MODE);
  rmSync(storeDir(), { recursive: true, force: true });
  for (const f of readdirSync(join(box.dir, 'home', '.aws')))
    if (f.endsWith('.tmp')) rmSync(join(box.dir, 'home', '.aws', f));
}

/** The keys in the store, read with the store itself (the CLI's passphrase). */
async function storedKeys(list = profiles): Promise<Map<string, { accessKeyId: string; secretAccessKey: string }>> {
  const store = fileStoreOf(box);
  const out = new Map<string, { accessKeyId: string; secretAccessKey: string }>();
  for (const p of list) {
    const key = decodeKey(await store.get(keyItem(p.name)));
    if (key) out.set(p.name, key);
  }
  return out;
}

/** Runs `import --scrub` (with `env` added). Resolves with the exit status or signal. */
function importRun(
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'import', '--scrub'], {
    env: { ...box.env, ...env },
    detached: true,
    // stdout a pipe, not /dev/null: its lines are then no file writes to kill at.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

/** After any run: the file is whole (original or scrubbed), keeps its mode, and no key is lost. */
async function expectNothingLost(list = profiles, texts = { original, scrubbed }): Promise<'original' | 'scrubbed'> {
  const text = readFileSync(box.credentialsPath, 'utf8');
  expect(statSync(box.credentialsPath).mode & 0o7777).toBe(MODE);
  expect([texts.original, texts.scrubbed], 'the credentials file is whole').toContain(text);
  const stored = await storedKeys(list);
  for (const p of list) {
    const inFile = text.includes(`${p.id}\r\n`) && text.includes(`${p.secret}\r\n`);
    const inStore = stored.get(p.name)?.accessKeyId === p.id && stored.get(p.name)?.secretAccessKey === p.secret;
    expect(inFile || inStore, `key of ${p.name} lost`).toBe(true);
  }
  return text === texts.original ? 'original' : 'scrubbed';
}

/** stderr less the notice of a new file store (the first run, or a rerun after a kill before the store was made). */
const withoutNewStoreNotice = (stderr: string) => stderr.replace(/^mfa-exec: creating a new file store in .*\n/, '');

describe('import --scrub is crash-safe', () => {
  it('a run to completion stores every key, verified, and leaves the file minus exactly the key lines', async () => {
    reset();
    const r = await importRun();
    expect(withoutNewStoreNotice(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(box.credentialsPath, 'utf8')).toBe(scrubbed);
    expect(statSync(box.credentialsPath).mode & 0o7777).toBe(MODE);
    const stored = await storedKeys();
    expect(stored.size).toBe(PROFILES);
    for (const p of profiles)
      expect(stored.get(p.name)).toMatchObject({ accessKeyId: p.id, secretAccessKey: p.secret });
    // The store is encrypted: no key in plain text anywhere in it.
    for (const f of readdirSync(storeDir())) {
      const bytes = readFileSync(join(storeDir(), f), 'latin1');
      for (const p of profiles) expect(bytes).not.toContain(p.secret);
    }
  });

  it('killed with SIGKILL at every write, rename, fsync and unlink: no key lost, no file half-written, no key in a temp file', async () => {
    const few = profiles.slice(0, CRASH_PROFILES);
    const texts = credentialsFile(few);
    const aws = join(box.dir, 'home', '.aws');
    const { ops, failures } = await crashAtEveryPoint({
      reset: () => reset(texts.original),
      run: (env) => importRun(env),
      check: async () => {
        await expectNothingLost(few, texts);
        const secrets = few.map((p) => p.secret);
        expect(plainSecretsIn([aws, storeDir()], secrets, [box.credentialsPath]), 'a key in plain text').toEqual([]);
      },
      // Running it again finishes the job (unless the kill came after the rewrite).
      recover: async () => {
        if ((await expectNothingLost(few, texts)) === 'original') {
          // The killed run's store lock would go stale in seconds (tested in file-store.test.ts): skip that wait.
          rmSync(join(storeDir(), 'store.enc.lock'), { recursive: true, force: true });
          const again = await importRun();
          expect(withoutNewStoreNotice(again.stderr)).toBe('');
          expect(again.code).toBe(0);
        }
        expect(await expectNothingLost(few, texts)).toBe('scrubbed');
        expect((await storedKeys(few)).size).toBe(CRASH_PROFILES);
      },
    });
    console.log(`import --scrub: ${ops.length} fixed points (${ops.join(' ')})`);
    expect(failures).toEqual([]);
    // The credentials file is rewritten (a rename after the store writes) and every point was hit.
    expect(ops.filter((o) => o === 'rename').length).toBeGreaterThanOrEqual(CRASH_PROFILES + 1);
    // Each point runs import twice and opens the store, each deriving the vault key at N=2^17.
  }, 900_000);
});

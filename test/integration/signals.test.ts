// Signals: Ctrl-C at the MFA prompt (the built CLI in a pty) exits 130 and leaves no lock,
// no cache entry and no half-written file; SIGTERM sent to mfa-exec reaches the child,
// and the child's own status is passed through.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type Sandbox } from '../support/cli.js';
import { runInPty } from '../support/pty.js';
import type { FakeSts, FakeUser } from '../support/fake-sts.js';
import { fileStoreOf, ini, roleProfile, stsSandbox, type StsSandbox } from '../support/fixture.js';

const A = '606060606060';
const KEY = 'AKIASIGNALSTEST00001';
const SECRET = 'sIgNaLs/K7MDENG/bPxRfiCYEXAMPLEKEY000001';
const TOTP = 'OVZWK4RAONUWO3TBNRZSA5DFON2CA3ZR';
const MFA = `arn:aws:iam::${A}:mfa/signals`;
const ROLE = `arn:aws:iam::${A}:role/signals`;

const USER: FakeUser = {
  userName: 'signals',
  accountId: A,
  accessKeyId: KEY,
  secretAccessKey: SECRET,
  mfaSerial: MFA,
  totpSecret: TOTP,
};

let env: StsSandbox;
let sts: FakeSts;
let box: Sandbox;

beforeAll(async () => {
  const role = roleProfile({ role: ROLE, source: 'base', mfa: MFA });
  env = await stsSandbox({
    users: [USER],
    roles: [{ roleArn: ROLE, requireMfa: true }],
    config: ini({
      base: { region: 'eu-west-1' },
      test: role,
      proc: { ...role, mfa_process: 'totp-code' },
      slow: { ...role, mfa_process: 'echo started > "$SLOW_MARKER"; sleep 20; echo 000000' },
    }),
    keys: { base: USER },
  });
  ({ sts, box } = env);
});
afterAll(() => env.cleanup());

/** Every item name in the store. */
async function storeItems(): Promise<string[]> {
  return (await fileStoreOf(box).list()).sort();
}

/** Files left in the lock folder, the store folder and ~/.aws other than the expected ones. */
function leftovers(): string[] {
  const lockDir = join(box.dir, 'run', 'mfa-exec', 'locks');
  return [
    ...(existsSync(lockDir) ? readdirSync(lockDir) : []),
    ...readdirSync(join(box.dir, 'store')).filter((f) => f !== 'store.enc' && f !== 'cache.enc'),
    ...readdirSync(join(box.dir, 'home', '.aws')).filter((f) => f !== 'config' && f !== 'credentials'),
  ];
}

describe('signals', () => {
  it.each([
    ['export', ['export', 'test', '--format', 'json']],
    ['exec', ['test', '--', 'true']],
  ])(
    'Ctrl-C at the MFA prompt (%s) exits 130, leaving no lock, no cache entry, no partial file',
    async (_name, args) => {
      const storeBefore = readFileSync(join(box.dir, 'store', 'store.enc'));
      const r = await runInPty({
        argv: [process.execPath, BIN, ...args],
        env: box.env,
        steps: [{ when: 'Enter MFA code', send: '\x03' }],
      });
      expect(r.timedOut).toBe(false);
      expect(r.output).toContain(`Enter MFA code for ${MFA}: `);
      expect(r.output.replace(/\x1b\[[0-9;]*m/g, '')).toContain(
        'mfa-exec: interrupted at the prompt (nothing was stored or cached)',
      );
      expect(r.output).not.toContain('    at ');
      expect(r.exitCode).toBe(130);
      expect(leftovers()).toEqual([]);
      expect(await storeItems()).toEqual(['key:base']);
      expect(readFileSync(join(box.dir, 'store', 'store.enc')).equals(storeBefore)).toBe(true);
      expect(sts.count()).toBe(0);
    },
  );

  it('SIGINT while the lock is held (a slow mfa_process) exits 130 and removes the lock at once', async () => {
    const marker = join(box.dir, 'slow-started');
    const child = spawn(process.execPath, [BIN, 'export', 'slow'], {
      env: { ...box.env, SLOW_MARKER: marker },
      detached: true,
      stdio: 'ignore',
    });
    for (let i = 0; i < 200 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(marker)).toBe(true);
    const lockDir = join(box.dir, 'run', 'mfa-exec', 'locks');
    expect(readdirSync(lockDir).filter((f) => f.endsWith('.lock'))).toHaveLength(1);
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
    process.kill(child.pid!, 'SIGINT');
    expect(await exited).toEqual([130, null]);
    expect(readdirSync(lockDir).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(sts.count()).toBe(0);
  });

  it('SIGTERM to mfa-exec reaches the child, and the status the child chose is passed through', async () => {
    const marker = join(box.dir, 'marker');
    const child = spawn(process.execPath, [BIN, 'proc', '--', 'sleep-trap', marker], {
      env: box.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('READY')) resolve();
      });
      child.once('exit', () => reject(new Error(`mfa-exec exited before the child was ready: ${err}`)));
    });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
    process.kill(child.pid!, 'SIGTERM'); // mfa-exec only, not its process group
    expect(await exited).toEqual([42, null]);
    expect(readFileSync(marker, 'utf8')).toBe('TERM\n');
    expect(err).toBe('');
  });

  it('a child killed by the forwarded SIGTERM makes mfa-exec exit 128 + 15', async () => {
    const child = spawn(process.execPath, [BIN, 'proc', '--', 'sh', '-c', 'echo READY; exec sleep 30'], {
      env: box.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => d.toString().includes('READY') && resolve()),
    );
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
    process.kill(child.pid!, 'SIGTERM');
    expect(await exited).toEqual([143, null]);
  });
});

// One MFA prompt for many processes: concurrent invocations of the built CLI share one
// mfa_process run and one set of STS calls through the cross-process lock; a lock whose
// holder was killed is taken over; a waiter gives up after a bound, with a clear message.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFileLock } from '../../src/adapters/lock.js';
import { isMfaExecError } from '../../src/core/errors.js';
import { BIN, makeSandbox, runCli, type RunResult, type Sandbox } from '../support/cli.js';
import { startFakeSts, type FakeSts, type FakeUser } from '../support/fake-sts.js';
import { addKey, ini, roleProfile } from '../support/fixture.js';
import { requireKeyringOrSkip, startPrivateKeyring, type PrivateKeyring } from '../support/keyring.js';

const ACCOUNT = '210987654321';
// One user and MFA device per test: the fake, like AWS, rejects a code used twice.
const USERS = [
  'KRUGS4ZANFZSAYJAONSWG4TFOQQGC3TE',
  'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U',
  'GEZDGNBVGY3TQOJQMFRGGZDFMZTWQ2LK',
].map((totpSecret, i) => ({
  userName: `concurrency${i}`,
  accountId: ACCOUNT,
  accessKeyId: `AKIACONCURRENCY000${i}`,
  secretAccessKey: `cOnCuRrEnCy/K7MDENG/bPxRfiCYEXAMPLEKEY0${i}`,
  mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/concurrency${i}`,
  totpSecret,
}));
const ROLE = `arn:aws:iam::${ACCOUNT}:role/concurrency`;
const N = 16;

const config = (user: FakeUser, mfaProcess: string) =>
  ini({
    base: { region: 'eu-west-1' },
    test: roleProfile({ role: ROLE, source: 'base', mfa: user.mfaSerial!, process: mfaProcess }),
  });

let sts: FakeSts;
beforeAll(async () => {
  sts = await startFakeSts({
    users: USERS,
    roles: [{ roleArn: ROLE, requireMfa: true }],
  });
});
afterAll(() => sts.close());
beforeEach(() => sts.resetCalls());

/** A sandbox whose mfa_process logs each run to `log` and prints the current code. */
async function sandbox(
  user: FakeUser,
  opts: { backend: 'file' | 'keychain'; keyringEnv?: Record<string, string> },
  mfaProcess = 'totp-code',
): Promise<{ box: Sandbox; log: string }> {
  const box = await makeSandbox({ ...opts, env: { TEST_TOTP_SECRET: user.totpSecret! } });
  const log = join(box.dir, 'mfa.log');
  box.env.TEST_MFA_LOG = log;
  box.env.AWS_ENDPOINT_URL_STS = sts.url;
  await box.writeConfig(config(user, mfaProcess));
  const added = await addKey(box, 'base', user);
  // A new file store is announced; nothing else is said.
  expect(added.stderr).toMatch(opts.backend === 'file' ? /^mfa-exec: creating a new file store in [^\n]*\n$/ : /^$/);
  expect(added.code).toBe(0);
  return { box, log };
}

const runs = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);

/** Start N exports at once; resolves with their results and the wall time. */
async function stampede(box: Sandbox, n: number): Promise<{ results: RunResult[]; ms: number }> {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: n }, () => box.run(['export', 'test', '--format', 'json'])));
  return { results, ms: Date.now() - started };
}

function expectOneSetOfCredentials(results: RunResult[]): void {
  for (const r of results) {
    // Nothing but, on a loaded machine, the notice of a wait longer than 3 s for the one holder.
    expect(r.stderr).toMatch(
      /^(mfa-exec: waiting for mfa-exec pid \d+, which is getting the same credentials: answer its MFA prompt, or, if it is a background job stopped at the prompt, bring it back with `fg`\n)?$/,
    );
    expect(r.code).toBe(0);
  }
  const outputs = new Set(results.map((r) => r.stdout));
  expect(outputs.size).toBe(1);
  const creds = JSON.parse(results[0]!.stdout) as {
    Version: number;
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    Expiration: string;
  };
  expect(creds.Version).toBe(1);
  expect(creds.AccessKeyId).toMatch(/^ASIA/);
  expect(creds.SessionToken.length).toBeGreaterThan(100);
  expect(new Date(creds.Expiration).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
}

/**
 * N concurrent exports on the cold cache of `box`: one set of credentials, one mfa_process
 * run (counted in `log`), one GetSessionToken, one AssumeRole.
 */
async function expectOnePrompt(box: Sandbox, log: string, store: string): Promise<void> {
  const { results, ms } = await stampede(box, N);
  expectOneSetOfCredentials(results);
  expect(runs(log)).toBe(1);
  expect(sts.count('GetSessionToken')).toBe(1);
  expect(sts.count('AssumeRole')).toBe(1);
  // The figure for the closing note (not asserted: the machine may be loaded).
  console.log(
    `concurrency (${store}): ${N} processes, ${runs(log)} mfa_process run, ${sts.count('GetSessionToken')} GetSessionToken, ${sts.count('AssumeRole')} AssumeRole, wall ${ms} ms`,
  );
}

describe('one MFA prompt for many processes', () => {
  it(`${N} concurrent exports on a cold cache (file store): one mfa_process run, one GetSessionToken, one AssumeRole`, async () => {
    const { box, log } = await sandbox(USERS[0]!, { backend: 'file' });
    try {
      await expectOnePrompt(box, log, 'file store');
      expect(sts.calls.every((c) => c.status === 200)).toBe(true);
      // No lock is left behind.
      expect(readdirSync(join(box.dir, 'run', 'mfa-exec', 'locks')).filter((f) => f.endsWith('.lock'))).toEqual([]);
    } finally {
      await box.cleanup();
    }
  }, 120_000);

  it(`${N} concurrent exports on a cold cache (keychain store): one mfa_process run, one GetSessionToken, one AssumeRole`, async (ctx) => {
    requireKeyringOrSkip(ctx);
    const keyring: PrivateKeyring = await startPrivateKeyring();
    const { box, log } = await sandbox(USERS[1]!, { backend: 'keychain', keyringEnv: keyring.env });
    try {
      await expectOnePrompt(box, log, 'keychain store');
    } finally {
      await box.cleanup();
      await keyring.stop();
    }
  }, 120_000);

  it('a lock whose holder was killed with SIGKILL is taken over within seconds', async () => {
    // The holder's mfa_process announces itself, then hangs; the waiter's prints the code.
    const { box, log } = await sandbox(USERS[2]!, { backend: 'file' });
    const slow = join(box.dir, 'slow-code');
    const marker = join(box.dir, 'holder-waiting');
    writeFileSync(slow, `#!/bin/sh\nif [ -n "$HOLDER" ]; then : > "${marker}"; exec sleep 60; fi\nexec totp-code\n`, {
      mode: 0o755,
    });
    await box.writeConfig(config(USERS[2]!, slow));
    try {
      const holder = spawn(process.execPath, [BIN, 'export', 'test', '--format', 'json'], {
        env: { ...box.env, HOLDER: '1' },
        detached: true,
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((r) => holder.once('exit', (_c, s) => r(s)));
      for (let i = 0; i < 300 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(marker)).toBe(true);
      const lockDir = join(box.dir, 'run', 'mfa-exec', 'locks');
      expect(readdirSync(lockDir).filter((f) => f.endsWith('.lock'))).toHaveLength(1);
      process.kill(-holder.pid!, 'SIGKILL'); // the holder and its hanging mfa_process
      expect(await exited).toBe('SIGKILL');
      expect(readdirSync(lockDir).filter((f) => f.endsWith('.lock'))).toHaveLength(1); // left behind

      const started = Date.now();
      const waiter = await box.run(['export', 'test', '--format', 'json']);
      const ms = Date.now() - started;
      // No terminal here, so the notice of a long wait (over 3 s) goes to stderr.
      expect(waiter.stderr).toMatch(
        /^(|mfa-exec: waiting for a lock left by mfa-exec pid \d+, which has exited: it is taken over within 5 s\n)$/,
      );
      expect(waiter.code).toBe(0);
      expect(JSON.parse(waiter.stdout).AccessKeyId).toMatch(/^ASIA/);
      expect(runs(log)).toBe(1); // the waiter's own mfa_process; the holder's never logged
      // The killed holder's pid is gone: its lock is taken over at once (else 5 s after its last refresh).
      expect(ms).toBeLessThan(20_000);
      console.log(`stale lock of a killed holder taken over in ${ms} ms`);
      expect(readdirSync(lockDir).filter((f) => f.endsWith('.lock'))).toEqual([]);
    } finally {
      await box.cleanup();
    }
  }, 60_000);

  it('a waiter gives up after its bound with a clear message, while the holder is still alive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mfa-exec-lock-'));
    const logger = { debug: () => undefined, info: () => undefined };
    try {
      const holder = createFileLock(dir, logger);
      const waiter = createFileLock(dir, logger, 1500);
      let release!: () => void;
      const holding = holder.withLock('key\u0000device', () => new Promise<void>((r) => (release = r)));
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const error = await waiter.withLock('key\u0000device', async () => 'ran').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(isMfaExecError(error)).toBe(true);
      expect((error as Error).message).toBe(
        'gave up after 2s waiting for another mfa-exec that is getting the same credentials',
      );
      release();
      await holding;
      // Once released, the lock is free again at once.
      await expect(waiter.withLock('key\u0000device', async () => 'ran')).resolves.toBe('ran');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('concurrent writes of different items to the file store lose none of them', async () => {
    const box = await makeSandbox({ backend: 'file' });
    try {
      const names = Array.from({ length: 8 }, (_, i) => `p${i}`);
      await box.writeConfig(names.map((p) => `[profile ${p}]\nregion = eu-west-1\n`).join('\n'));
      const results = await Promise.all(
        names.map((p) =>
          runCli(['add', p, '--env'], {
            ...box.env,
            AWS_ACCESS_KEY_ID: USERS[0]!.accessKeyId,
            AWS_SECRET_ACCESS_KEY: USERS[0]!.secretAccessKey,
          }),
        ),
      );
      for (const r of results) expect(r.code).toBe(0);
      const after = await box.run(['list', '--json']);
      expect(after.code).toBe(0);
      const stored = (JSON.parse(after.stdout) as { profile: string; hasStoredKey: boolean }[])
        .filter((p) => p.hasStoredKey)
        .map((p) => p.profile);
      expect(stored.sort()).toEqual(names);
    } finally {
      await box.cleanup();
    }
  }, 60_000);
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { defaultShell, runChild } from '../../src/adapters/child.js';
import { MfaExecError } from '../../src/core/errors.js';
import { bundledChild } from '../support/bundled.js';
import { runInPty, type PtyResult, type PtyStep } from '../support/pty.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'test/support/fixtures/bin');
const fixture = (name: string): string => join(bin, name);
// runChild behind a small CLI, bundled once per run (test/support/global-setup.ts): no tsx compile per spawn.
const RUN_CHILD = bundledChild('run-child');
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** The runner around runChild, in its own session (no controlling terminal), like a CI job. */
function runner(command: string[], options: { input?: Uint8Array } = {}) {
  return execa('node', [RUN_CHILD, '--', ...command], {
    cwd: root,
    reject: false,
    detached: true,
    encoding: 'buffer',
    stripFinalNewline: false,
    ...(options.input ? { input: options.input } : { stdin: 'ignore' }),
  });
}

/** Resolves once `text` has appeared on the process's stdout. */
function waitForOutput(subprocess: ResultPromise, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    subprocess.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
    subprocess.once('exit', () => reject(new Error(`exited before printing ${text}: ${seen}`)));
  });
}

/** Runs the runner around `command` at a new pseudo-terminal. */
function atTerminal(command: string[], steps: PtyStep[] = []): Promise<PtyResult> {
  return runInPty({ argv: ['node', RUN_CHILD, '--', ...command], env: process.env, steps });
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const text = (data: Uint8Array): string => Buffer.from(data).toString();

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mfa-exec-child-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('runChild exit status', () => {
  it.each([0, 1, 3, 255])('passes exit code %i through', async (code) => {
    const result = await runner([fixture('exit-with'), String(code)]);
    expect(result.exitCode).toBe(code);
    expect(text(result.stderr)).toBe('');
  });

  it.each([
    ['TERM', 143],
    ['KILL', 137],
  ])('exits 128 + N when the child dies of SIG%s', async (signal, status) => {
    const result = await runner([fixture('kill-self'), signal]);
    expect(result.exitCode).toBe(status);
  });

  it('exits 127 with one line when the command does not exist', async () => {
    const result = await runner(['mfa-exec-no-such-command']);
    expect(result.exitCode).toBe(127);
    expect(text(result.stderr)).toBe(
      'mfa-exec: command not found: mfa-exec-no-such-command (check the name or your PATH)\n',
    );
  });

  it('exits 126 with one line when the file is not executable', async () => {
    const file = join(scratch, 'not-executable');
    await writeFile(file, '#!/bin/sh\necho ran\n', { mode: 0o644 });
    const result = await runner([file]);
    expect(result.exitCode).toBe(126);
    expect(text(result.stdout)).toBe('');
    expect(text(result.stderr)).toMatch(/^mfa-exec: cannot run .*not-executable: permission denied \(.+\)\n$/);
  });

  it('exits 126 when the command is a directory', async () => {
    const directory = join(scratch, 'a-directory');
    await mkdir(directory);
    const result = await runner([directory]);
    expect(result.exitCode).toBe(126);
    expect(text(result.stderr).split('\n')).toHaveLength(2);
  });

  it('exits 126 when a path component is not a directory (spawn throws synchronously)', async () => {
    const result = await runner([join(fixture('exit-with'), 'x')]);
    expect(result.exitCode).toBe(126);
    expect(text(result.stderr)).toMatch(/^mfa-exec: cannot run .*: ENOTDIR \(.+\)\n$/);
  });
});

describe('runChild stdio and environment', () => {
  it('exec keeps stdout binary-exact (5 MB of random bytes through cat)', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const result = await runner(['cat'], { input: data });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(data.length);
    expect(sha256(result.stdout)).toBe(sha256(data));
  });

  it('gives the child exactly the environment it was given, PATH lookup included', async () => {
    const env = { PATH: `${bin}:/usr/bin:/bin`, ODD: 'a b\nc=d', EMPTY: '' };
    let spawned = 0;
    const status = await runChild({
      command: 'exit-with',
      args: ['7'],
      env,
      onSpawn: (pid) => (spawned = pid),
    });
    expect(status).toBe(7);
    expect(spawned).toBeGreaterThan(0);
    const result = await execa('node', [RUN_CHILD, '--', 'print-env'], {
      cwd: root,
      env,
      extendEnv: false,
    });
    // The shell running print-env adds PWD itself.
    const lines = result.stdout.split('\n').filter((line) => !line.startsWith('PWD='));
    expect(lines.sort()).toEqual(['EMPTY=', 'ODD=a b', `PATH=${bin}:/usr/bin:/bin`, 'c=d']);
  });

  it('removes its signal handlers after the child exits and after a spawn error', async () => {
    const before = FORWARDED.map((signal) => process.listenerCount(signal));
    await runChild({ command: fixture('exit-with'), args: ['0'], env: {} });
    expect(FORWARDED.map((signal) => process.listenerCount(signal))).toEqual(before);
    const missing = runChild({ command: 'mfa-exec-no-such-command', args: [], env: { PATH: bin } });
    await expect(missing).rejects.toMatchObject({ kind: 'child', exitCode: 127 });
    await expect(missing).rejects.toBeInstanceOf(MfaExecError);
    expect(FORWARDED.map((signal) => process.listenerCount(signal))).toEqual(before);
  });
});

describe('defaultShell', () => {
  it('is $SHELL, else /bin/sh', () => {
    expect(defaultShell({ SHELL: '/usr/bin/zsh' })).toBe('/usr/bin/zsh');
    expect(defaultShell({ SHELL: '' })).toBe('/bin/sh');
    expect(defaultShell({})).toBe('/bin/sh');
  });
});

describe('runChild forwards signals', () => {
  it.each(['TERM', 'HUP', 'INT'])('SIG%s sent to mfa-exec (no terminal) reaches the child', async (signal) => {
    const marker = join(scratch, `marker-${signal}`);
    const subprocess = runner([fixture('sleep-trap'), marker]);
    await waitForOutput(subprocess, 'READY');
    process.kill(subprocess.pid!, `SIG${signal}`);
    const result = await subprocess;
    expect(result.exitCode).toBe(42);
    expect(await readFile(marker, 'utf8')).toBe(`${signal}\n`);
  });
});

describe.runIf(process.platform === 'linux')('runChild at a terminal', () => {
  it('the child sees a TTY on stdin and stdout', async () => {
    const result = await atTerminal(['sh', '-c', 'test -t 0 && test -t 1 && echo TTY-OK']);
    expect(result.output).toContain('TTY-OK');
    expect(result.exitCode).toBe(0);
    // The same check without a terminal fails, so the assertion above means something.
    expect(text((await runner(['sh', '-c', 'test -t 0 && test -t 1 && echo TTY-OK'])).stdout)).toBe('');
  });

  // The child counts for 1 s after READY: a forwarded second signal would follow the first within
  // milliseconds (mfa-exec is idle, waiting on the child), so a longer window proves no more.
  it.each([
    ['INT', '\x03'],
    ['QUIT', '\x1c'],
  ])('one keypress delivers exactly one SIG%s to the child', async (signal, key) => {
    const result = await atTerminal([fixture('count-signal'), signal, '1'], [{ when: 'READY', send: key }]);
    expect(result.output).toContain(`${signal} count: 1\r\n`);
    expect(result.exitCode).toBe(0);
  });

  // Deterministic form of the test above: the child leaves the foreground group
  // (setsid), so it only sees what mfa-exec forwards. Two signals arriving at
  // once merge into one, which is why counting alone cannot catch a double.
  it.each([
    ['INT', '\x03'],
    ['QUIT', '\x1c'],
  ])('a terminal SIG%s is not forwarded on top of the kernel delivery', async (signal, key) => {
    const result = await atTerminal(['setsid', fixture('count-signal'), signal, '1'], [{ when: 'READY', send: key }]);
    expect(result.output).toContain(`${signal} count: 0\r\n`);
  });
});

// Runs the built CLI (dist/bin.js) in a temporary HOME with its own AWS files and store,
// the way a user would: a real process, real files, exit code, stdout and stderr.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { scryptKdf, type Kdf } from '../../src/adapters/file-store.js';
import { TEST_NODE_OPTIONS, cheapKdf } from './preload.js';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** The built CLI. */
export const BIN = join(ROOT, 'dist/bin.js');
/**
 * The command that runs the CLI: `node dist/bin.js`, or the single executable named by
 * MFA_EXEC_TEST_BINARY (`npm run build:binary`; .ci/run runs the core tests against it).
 */
export const CLI: readonly string[] = process.env.MFA_EXEC_TEST_BINARY
  ? [resolve(process.env.MFA_EXEC_TEST_BINARY)]
  : [process.execPath, BIN];
/** CLI as one shell command line (for credential_process and the like). */
export const CLI_LINE = CLI.join(' ');
/** Tiny fixture programs (print-env, exit-with, totp-code, …). */
export const FIXTURE_BIN = join(ROOT, 'test/support/fixtures/bin');

/** One finished run of the CLI. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** A temporary HOME with AWS files and a store, and a way to run the CLI in it. */
export interface Sandbox {
  dir: string;
  env: Record<string, string>;
  configPath: string;
  credentialsPath: string;
  /** The key derivation of this sandbox's CLI runs, for a test process reading their store. */
  kdf: Kdf;
  writeConfig(text: string): Promise<void>;
  writeCredentials(text: string): Promise<void>;
  /** Run `mfa-exec args...` with no controlling terminal (a new session), optional stdin bytes. */
  run(
    args: string[],
    opts?: { input?: string | Buffer; env?: Record<string, string | undefined>; onStderr?: (text: string) => void },
  ): Promise<RunResult>;
  cleanup(): Promise<void>;
}

/**
 * A fresh sandbox; `backend: 'file'` uses an encrypted file store in it, 'keychain' needs `keyringEnv`.
 * Its CLI runs load the test preload (preload.cjs) with the cheap key derivation, unless `realKdf`.
 */
export async function makeSandbox(
  opts: {
    backend: 'file' | 'keychain';
    keyringEnv?: Record<string, string>;
    env?: Record<string, string>;
    realKdf?: boolean;
  } = {
    backend: 'file',
  },
): Promise<Sandbox> {
  if (!existsSync(CLI.at(-1)!)) throw new Error(`${CLI.at(-1)} is missing: run \`npm run build\` first`);
  const dir = await mkdtemp(join(tmpdir(), 'mfa-exec-test-'));
  const home = join(dir, 'home');
  await mkdir(join(home, '.aws'), { recursive: true });
  // XDG_RUNTIME_DIR as a login session has it: 0700 and memory-backed (the file store keeps
  // its runtime key there only on tmpfs), reached through `<dir>/run`.
  const run = join(dir, 'run');
  const shm = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/mfa-exec-test-run-') : undefined;
  if (shm) await symlink(shm, run);
  else await mkdir(run, { mode: 0o700 });
  const configPath = join(home, '.aws', 'config');
  const credentialsPath = join(home, '.aws', 'credentials');
  await writeFile(configPath, '');
  await writeFile(credentialsPath, '');
  const otplib = createRequire(import.meta.url).resolve('otplib');
  const env: Record<string, string> = {
    PATH: `${FIXTURE_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    LANG: 'C.UTF-8',
    SHELL: '/bin/sh',
    AWS_CONFIG_FILE: configPath,
    AWS_SHARED_CREDENTIALS_FILE: credentialsPath,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    XDG_RUNTIME_DIR: run,
    XDG_CACHE_HOME: join(dir, 'cache'),
    TEST_OTPLIB_PATH: otplib,
    NODE_OPTIONS: TEST_NODE_OPTIONS,
    ...(!opts.realKdf && { TEST_MFA_EXEC_CHEAP_KDF: '1' }),
    ...(opts.backend === 'file'
      ? { MFA_EXEC_BACKEND: 'file', MFA_EXEC_FILE_DIR: join(dir, 'store'), MFA_EXEC_FILE_PASSPHRASE: 'test passphrase' }
      : { MFA_EXEC_BACKEND: 'keychain', ...opts.keyringEnv, HOME: home }),
    ...opts.env,
  };
  return {
    dir,
    env,
    configPath,
    credentialsPath,
    kdf: opts.realKdf ? scryptKdf : cheapKdf,
    writeConfig: (text) => writeFile(configPath, text),
    writeCredentials: (text) => writeFile(credentialsPath, text),
    run: (args, o = {}) => runCli(args, { ...env, ...o.env }, o.input, o.onStderr),
    cleanup: async () => {
      await rm(dir, { recursive: true, force: true });
      if (shm) await rm(shm, { recursive: true, force: true });
    },
  };
}

/**
 * Run the CLI with exactly `env` (undefined values removed) in a new session (no terminal);
 * `onStderr` sees stderr as it arrives (all of it so far), e.g. to advance a TestClock on a wait.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  input?: string | Buffer,
  onStderr?: (text: string) => void,
): Promise<RunResult> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(CLI[0]!, [...CLI.slice(1), ...args], {
      env: clean,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err.push(d);
      onStderr?.(Buffer.concat(err).toString('utf8'));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolvePromise({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

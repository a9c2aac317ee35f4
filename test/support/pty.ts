// A command at a real terminal: test/support/pty.py runs it in a new pseudo-terminal (its
// controlling terminal) and types each step's text once the step's `when` has appeared.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cli.js';

const PTY = join(ROOT, 'test/support/pty.py');

/**
 * One thing typed at the terminal, once `when` has appeared in the output after where the
 * previous step's `when` was found (at once without `when`): `send` as is (`\r` is Enter),
 * or `code: true`, the current code of the `totp-code` fixture (on the sandbox PATH) and Enter.
 */
export type PtyStep = { when?: string } & ({ send: string } | { code: true });

/** How the command ended, and everything it wrote to the terminal. */
export interface PtyResult {
  output: string;
  exitCode: number | null;
  /** the signal number that ended it, if one did */
  signal: number | null;
  /** killed (its process group) at the timeout */
  timedOut: boolean;
  /** the codes the `code` steps typed, in order */
  codes: string[];
}

/**
 * Run `argv` (exactly `env`) in a pty, typing `steps` in turn; after `timeout` seconds
 * (default 20) its process group is killed. The steps reach pty.py on its stdin, never in
 * its command line, as what they type may be a secret.
 */
export function runInPty(o: {
  argv: string[];
  env: Record<string, string | undefined>;
  steps?: PtyStep[];
  timeout?: number;
}): Promise<PtyResult> {
  const timeout = o.timeout ?? 20;
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [PTY, '--steps-stdin', '--timeout', String(timeout), '--', ...o.argv], {
      env: o.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // pty.py kills the command at its timeout; this is for pty.py itself, should it hang.
      timeout: (timeout + 30) * 1000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`pty.py ended with ${code ?? signal}: ${Buffer.concat(err).toString()}`));
      else resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as PtyResult);
    });
    child.stdin.end(JSON.stringify(o.steps ?? []));
  });
}

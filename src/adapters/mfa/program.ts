// Runs an external code source (ykman, a GUI dialog) without a shell and collects
// what it printed. The output holds an MFA code: it is parsed, never logged.

import { accessSync, constants, statSync } from 'node:fs';
import { MfaExecError } from '../../core/errors.js';
import { killHelper, spawnHelper } from '../helpers.js';

/** How a program run ended. */
export interface ProgramResult {
  /** Exit status, or null when killed by a signal (including the timeout). */
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Run `file args` (looked up on env.PATH), stdin closed; killed after `timeoutMs`. Not on PATH → 'mfa' error with `installHint`. */
export function runProgram(
  file: string,
  args: string[],
  opts: { env: Record<string, string | undefined>; timeoutMs: number; installHint: string },
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawnHelper(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killHelper(child);
    }, opts.timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const what =
        e.code === 'ENOENT'
          ? `${file} is not installed (not found on PATH)`
          : `cannot run ${file}: ${e.code ?? e.message}`;
      reject(new MfaExecError('mfa', what, { hint: opts.installHint, cause: e }));
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}

/** The last non-empty line a program wrote to stderr, for a one-line error message. */
export function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? ''
  );
}

/** True when `file` is an executable file in one of env.PATH's directories. */
export function onPath(file: string, env: Record<string, string | undefined>): boolean {
  return (env.PATH ?? '').split(':').some((dir) => dir !== '' && isExecutable(`${dir}/${file}`));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

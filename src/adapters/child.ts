// Run the child: its own stdio, forwarded signals, its exit status as ours.
// node:child_process directly, not execa: this is the hot path of every exec.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { MfaExecError } from '../core/errors.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
type Forwarded = (typeof FORWARDED)[number];

/** The shell a bare `exec` runs: $SHELL, else /bin/sh. */
export function defaultShell(env: Record<string, string | undefined>): string {
  return env.SHELL || '/bin/sh';
}

/**
 * Whether the terminal already sent this signal to the child. The child shares
 * our process group (it is not detached), so when that group is the terminal's
 * foreground group, a Ctrl-C or Ctrl-\ typed there is delivered by the kernel
 * to the child as well as to us. Forwarding it again would make the child see
 * two interrupts (terraform then stops hard instead of gracefully). On Linux,
 * /proc/self/stat tells us our process group (field 5) and the terminal's
 * foreground group (field 8, -1 without a terminal), read at signal time since
 * the child (an interactive shell) may move the foreground. Elsewhere, a TTY on
 * stdin is the best guess. The cost: a `kill -INT` aimed at us while we are in
 * the foreground is not forwarded. SIGTERM and SIGHUP are always forwarded.
 */
function terminalDelivered(signal: Forwarded): boolean {
  if (signal !== 'SIGINT' && signal !== 'SIGQUIT') return false;
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return process.stdin.isTTY === true;
  }
  // "pid (comm) state ppid pgrp session tty_nr tpgid ...": comm may hold spaces and parens.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[2] === fields[5];
}

/** The MfaExecError for a failed spawn: 127 when the command is missing, 126 when it cannot be run. */
function spawnError(command: string, error: NodeJS.ErrnoException): MfaExecError {
  if (error.code === 'ENOENT') {
    return new MfaExecError('child', `command not found: ${command}`, {
      hint: 'check the name or your PATH',
      exitCode: 127,
      cause: error,
    });
  }
  const reason = error.code === 'EACCES' ? 'permission denied' : (error.code ?? error.message);
  return new MfaExecError('child', `cannot run ${command}: ${reason}`, {
    hint: 'check the path, and that it is an executable file: chmod +x',
    exitCode: 126,
    cause: error,
  });
}

/**
 * Run `command` (looked up in env.PATH as a shell does) with `env` and our own
 * stdin/stdout/stderr, forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT while it runs.
 * Resolves to the status to exit with: the child's code, or 128 + N when it
 * died of signal N. Rejects with MfaExecError 'child' (127/126) when it cannot start.
 */
export async function runChild(opts: {
  command: string;
  args: string[];
  env: Record<string, string>;
  onSpawn?: (pid: number) => void;
}): Promise<number> {
  let child: ChildProcess | undefined;
  // Installed before spawning, so that a signal arriving just after the spawn
  // cannot kill us and orphan the child; removed on every path below.
  const handlers = FORWARDED.map((signal) => {
    const handler = (): void => {
      if (child && !terminalDelivered(signal)) child.kill(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      const started = spawn(opts.command, opts.args, { env: opts.env, stdio: 'inherit' });
      child = started;
      // 'error' after a successful spawn only means a forwarded signal could not be
      // sent (e.g. EPERM to a setuid child): the child runs on, so we keep waiting.
      started.on('error', (error) => {
        if (started.pid === undefined) reject(error);
      });
      started.once('exit', (code, signal) => resolve(signal === null ? (code ?? 1) : 128 + constants.signals[signal]));
      if (started.pid !== undefined) opts.onSpawn?.(started.pid);
    });
  } catch (error) {
    throw spawnError(opts.command, error as NodeJS.ErrnoException);
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

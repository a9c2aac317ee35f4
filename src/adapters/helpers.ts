// Programs mfa-exec starts for itself (mfa_process, credential_process, ykman, GUI prompts,
// the browser): each gets the user's environment minus mfa-exec's own variables (above all
// MFA_EXEC_FILE_PASSPHRASE, which would let it open the store), and each helper that mfa-exec
// waits for runs in a process group of its own, so that all it started can be ended together
// when mfa-exec is interrupted or exits.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** The helpers still running, by the id of their process group (= their pid). */
const running = new Set<number>();
let exitHookInstalled = false;

/**
 * `env` without any MFA_EXEC_* variable but MFA_EXEC_PROFILE (the contract's "child's
 * environment"), and without undefined values; then `set` (variables given on purpose).
 */
export function helperEnv(
  env: Record<string, string | undefined>,
  set: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && (!k.startsWith('MFA_EXEC_') || k === 'MFA_EXEC_PROFILE')) out[k] = v;
  }
  return Object.assign(out, set);
}

/**
 * Start a helper mfa-exec waits for: scrubbed environment (`env` is the user's, `setEnv`
 * is added after scrubbing), its own process group, ended with endHelpers().
 */
export function spawnHelper(
  file: string,
  args: string[],
  opts: Omit<SpawnOptions, 'env' | 'detached'> & {
    env: Record<string, string | undefined>;
    setEnv?: Record<string, string>;
  },
): ChildProcess {
  const { env, setEnv, ...rest } = opts;
  // detached: a new session, hence a new process group whose id is the helper's pid.
  const child = spawn(file, args, { ...rest, env: helperEnv(env, setEnv), detached: true });
  const pid = child.pid;
  if (pid !== undefined) {
    running.add(pid);
    child.once('exit', () => running.delete(pid));
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // However mfa-exec ends (bin.ts's process.exit included), no helper outlives it.
      process.on('exit', () => endHelpers());
    }
  }
  return child;
}

/** Send `signal` to the process group of every helper still running (and so to all they started). */
export function endHelpers(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const pgid of running) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** End one helper and everything it started (its process group). */
export function killHelper(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

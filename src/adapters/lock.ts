// Cross-process lock around "prompt + STS + cache" for one key + MFA device, so concurrent
// invocations share one MFA prompt and one set of STS calls; and the primitive under it.
//
// Our own ~100 lines rather than proper-lockfile (last release 2021): that package brings
// signal-exit@3, which takes over SIGTERM handling, and its staleness is mtime only. Here a
// lock is a file created with O_EXCL holding the holder's pid, its mtime refreshed while
// held; a waiter takes it over at once when the pid is gone (SIGKILL) and after `staleMs`
// without a refresh otherwise (a frozen or remote holder). The one race left (two waiters
// taking over the same stale lock at once) costs at worst one extra MFA prompt.

import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { MfaExecError } from '../core/errors.js';
import type { Lock, Logger } from '../core/types.js';
import { endHelpers } from './helpers.js';

/** A holder that stops refreshing its lock (frozen, or on another machine) is taken over after this long. */
const STALE_MS = 5000;
const HEARTBEAT_MS = 1000;

const HELD_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** A lock held by this process. */
export interface HeldLock {
  release(): void;
}

/**
 * Take the lock file `path` (O_EXCL, our pid inside), waiting while another live holder has it.
 * Resolves undefined after `waitMs` without it; `onWait` is called with the time waited so far.
 * Other file system errors are thrown as they are (the caller names the folder).
 */
export async function acquireLock(
  path: string,
  o: { staleMs?: number; waitMs: number; pollMs?: number; onWait?: (waitedMs: number) => void },
): Promise<HeldLock | undefined> {
  const staleMs = o.staleMs ?? STALE_MS;
  const started = Date.now();
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (fd !== undefined) {
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      const beat = setInterval(() => {
        try {
          const now = new Date();
          utimesSync(path, now, now);
        } catch {
          // taken over meanwhile: nothing to refresh
        }
      }, HEARTBEAT_MS);
      beat.unref();
      return {
        release: () => {
          clearInterval(beat);
          rmSync(path, { force: true });
        },
      };
    }
    if (isStale(path, staleMs)) {
      // Rename first: of several waiters judging it stale at once, one removes it.
      const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
      try {
        renameSync(path, aside);
        rmSync(aside, { force: true });
      } catch {
        // another waiter took it over first
      }
      continue;
    }
    const waited = Date.now() - started;
    if (waited > o.waitMs) return undefined;
    o.onWait?.(waited);
    const poll = o.pollMs ?? 100;
    await new Promise((r) => setTimeout(r, poll + Math.random() * poll));
  }
}

/** True when the lock's holder is gone (its pid no longer runs) or stopped refreshing it `staleMs` ago. */
function isStale(path: string, staleMs: number): boolean {
  let mtime: number;
  let pid: number;
  try {
    mtime = statSync(path).mtimeMs;
    pid = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return false; // just released, or being written: look again
  }
  if (Date.now() - mtime > staleMs) return true;
  if (!Number.isInteger(pid) || pid <= 0) return Date.now() - mtime > 1000; // a holder still writing its pid
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Create `dir` (and its parent, mfa-exec's own folder) 0700 when missing; refuse one that does not
 * belong to the user or that group or others may write (another user could plant or remove locks).
 */
export function ensurePrivateDir(dir: string, what: string, envHint: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new MfaExecError('config', `cannot create the ${what} ${dir} (${code})`, {
      hint: `${envHint}, or make its parent folder writable for you`,
    });
  }
  const uid = process.getuid?.();
  // The folder and, in the usual layout (…/mfa-exec/locks), mfa-exec's own folder above it.
  const ours = basename(dirname(dir)) === 'mfa-exec' ? [dirname(dir), dir] : [dir];
  for (const d of ours) {
    const st = statSync(d);
    if (uid !== undefined && st.uid !== uid) {
      throw new MfaExecError('config', `the ${what} ${d} belongs to another user (uid ${st.uid})`, {
        hint: `remove it, and it is recreated; or ${envHint}`,
      });
    }
    if ((st.mode & 0o022) !== 0) {
      throw new MfaExecError(
        'config',
        `the ${what} ${d} may be written by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`,
        { hint: `run \`chmod 700 ${d}\`` },
      );
    }
  }
}

/**
 * What a waiter tells the user: which process holds the prompt and how to reach it. A background
 * job that asks on the terminal is stopped by the shell (`[1]+ Stopped`) until `fg`.
 */
function waitingMessage(lockPath: string): string {
  let pid: number | undefined;
  try {
    pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10) || undefined;
  } catch {
    pid = undefined;
  }
  if (pid && !isAlive(pid))
    return `waiting for a lock left by mfa-exec pid ${pid}, which has exited: it is taken over at once`;
  const who = pid ? `mfa-exec pid ${pid}` : 'another mfa-exec';
  let state: string | undefined;
  try {
    // Linux: the state letter after the command name in /proc/PID/stat; T is stopped.
    state = pid ? /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] : undefined;
  } catch {
    state = undefined;
  }
  const reach =
    state === 'T'
      ? 'it is a stopped background job waiting at its MFA prompt: bring it to the foreground with `fg` and answer there'
      : 'answer its MFA prompt, or, if it is a background job stopped at the prompt, bring it back with `fg`';
  return `waiting for ${who}, which is getting the same credentials: ${reach}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A Lock on files in `dir`; waiters give up after `maxWaitMs` with a clear message. */
export function createFileLock(dir: string, logger: Logger, maxWaitMs = 180_000): Lock {
  return {
    async withLock(name, fn) {
      ensurePrivateDir(dir, 'lock folder', 'set XDG_RUNTIME_DIR (or XDG_CACHE_HOME) to a folder of your own');
      const path = join(dir, `${createHash('sha256').update(name).digest('hex').slice(0, 32)}.lock`);
      let announced = false;
      let held: HeldLock | undefined;
      try {
        held = await acquireLock(path, {
          waitMs: maxWaitMs,
          // A short wait is normal (16 terraform children start at once); a long one is someone at a prompt.
          onWait: (waited) => {
            if (!announced && waited > 3000) {
              logger.info(waitingMessage(path));
              announced = true;
            }
          },
        });
      } catch (e) {
        throw new MfaExecError(
          'config',
          `cannot create a lock file in ${dir} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
          {
            hint: 'check that the folder is yours and writable, or set XDG_RUNTIME_DIR to a folder of your own',
          },
        );
      }
      if (!held) {
        throw new MfaExecError(
          'mfa',
          `gave up after ${Math.round(maxWaitMs / 1000)}s waiting for another mfa-exec that is getting the same credentials`,
          { hint: 'answer or stop the other prompt, then run again' },
        );
      }
      const lock = held;
      // Interrupted while holding the lock (an STS call, an mfa_process): remove the lock at once so
      // the next mfa-exec need not wait for it, end the helpers we started (by their process group),
      // and fail with 128 + N; bin.ts, the one place that exits, then exits.
      let onSignal!: (signal: NodeJS.Signals) => void;
      const interrupted = new Promise<never>((_, reject) => {
        onSignal = (signal) => {
          lock.release();
          endHelpers();
          reject(
            new MfaExecError('interrupted', `interrupted by ${signal} while getting credentials`, {
              hint: 'nothing was cached; the programs it had started were ended',
              exitCode: 128 + (osConstants.signals[signal] ?? 2),
            }),
          );
        };
      });
      for (const sig of HELD_SIGNALS) process.once(sig, onSignal);
      try {
        return await Promise.race([fn(), interrupted]);
      } finally {
        for (const sig of HELD_SIGNALS) process.off(sig, onSignal);
        lock.release();
      }
    },
  };
}

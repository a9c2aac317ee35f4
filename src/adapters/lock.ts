// Cross-process lock (proper-lockfile) around "prompt + STS + cache" for one key + MFA device,
// so concurrent invocations share one MFA prompt and one set of STS calls.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { MfaExecError } from '../core/errors.js';
import type { Lock, Logger } from '../core/types.js';

/** A holder killed with SIGKILL stops refreshing its lock; after this long it is taken over. */
const STALE_MS = 5000;

const HELD_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * What a waiter tells the user: which process holds the prompt and how to reach it. A background
 * job that asks on the terminal is stopped by the shell (`[1]+ Stopped`) until `fg`.
 */
function waitingMessage(ownerPath: string): string {
  let pid: number | undefined;
  try {
    pid = Number.parseInt(readFileSync(ownerPath, 'utf8'), 10) || undefined;
  } catch {
    pid = undefined;
  }
  if (pid && !isAlive(pid))
    return `waiting for a lock left by mfa-exec pid ${pid}, which has exited: it is taken over within ${STALE_MS / 1000} s`;
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
      const { default: lockfile } = await import('proper-lockfile');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, `${createHash('sha256').update(name).digest('hex').slice(0, 32)}`);
      const started = Date.now();
      let release: (() => Promise<void>) | undefined;
      let announced = false;
      while (!release) {
        try {
          release = await lockfile.lock(path, {
            realpath: false,
            stale: STALE_MS,
            update: 1000,
            lockfilePath: `${path}.lock`,
            // A holder stalled past STALE_MS may be taken over: the worst case is one more prompt, not a crash.
            onCompromised: (e) => logger.debug(`the lock was taken over by another mfa-exec (${e.message})`),
          });
        } catch (e) {
          if ((e as { code?: string }).code !== 'ELOCKED') {
            throw new MfaExecError('internal', `cannot create the lock file in ${dir}`, {
              hint: 'check that the folder is writable',
              cause: e,
            });
          }
          if (Date.now() - started > maxWaitMs) {
            throw new MfaExecError(
              'mfa',
              `gave up after ${Math.round(maxWaitMs / 1000)}s waiting for another mfa-exec that is getting the same credentials`,
              {
                hint: 'answer or stop the other prompt, then run again',
              },
            );
          }
          // A short wait is normal (16 terraform children start at once); a long one is someone at a prompt.
          if (!announced && Date.now() - started > 3000) {
            logger.info(waitingMessage(`${path}.owner`));
            announced = true;
          }
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
        }
      }
      // Interrupted while holding the lock (Ctrl-C during an STS call or an mfa_process): remove
      // the lock at once so the next mfa-exec need not wait for it to go stale, then exit 128 + N.
      const onSignal = (signal: NodeJS.Signals) => {
        rmSync(`${path}.lock`, { recursive: true, force: true });
        process.exit(128 + (osConstants.signals[signal] ?? 2));
      };
      for (const sig of HELD_SIGNALS) process.once(sig, onSignal);
      // Who holds the lock, so a waiter can say which process has the prompt.
      try {
        writeFileSync(`${path}.owner`, `${process.pid}\n`, { mode: 0o600 });
      } catch {
        // Only the waiting message is poorer without it.
      }
      try {
        return await fn();
      } finally {
        for (const sig of HELD_SIGNALS) process.off(sig, onSignal);
        rmSync(`${path}.owner`, { force: true });
        await release().catch(() => undefined);
      }
    },
  };
}

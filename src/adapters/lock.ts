// Cross-process lock (proper-lockfile) around "prompt + STS + cache" for one key + MFA device,
// so concurrent invocations share one MFA prompt and one set of STS calls.

import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { MfaExecError } from '../core/errors.js';
import type { Lock, Logger } from '../core/types.js';

/** A holder killed with SIGKILL stops refreshing its lock; after this long it is taken over. */
const STALE_MS = 5000;

const HELD_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

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
            logger.info('waiting for another mfa-exec that is getting the same credentials (answer its MFA prompt)');
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
      try {
        return await fn();
      } finally {
        for (const sig of HELD_SIGNALS) process.off(sig, onSignal);
        await release().catch(() => undefined);
      }
    },
  };
}

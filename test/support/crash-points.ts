// Crash safety at fixed points: run a command once to count its writes, renames, fsyncs and
// unlinks (fault-preload.mjs), then once per point k, SIGKILLed at the k-th (a write at k
// is left half done), and check the invariants after each kill. Deterministic, unlike
// killing at random moments, which may never land inside a rewrite.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TEST_NODE_OPTIONS } from './preload.js';

export const FAULT_PRELOAD = join(import.meta.dirname, 'fault-preload.mjs');

/** What a run under the fault preload ended with. */
export interface FaultRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** One kill point whose check failed. */
export interface CrashFailure {
  k: number;
  op: string;
  error: string;
}

/** Environment that loads the fault preload (and the test preload, preload.cjs): kill at the `at`-th call, or only log into `log`. */
export function faultEnv(opts: { at?: number; log?: string }): Record<string, string> {
  return {
    NODE_OPTIONS: `${TEST_NODE_OPTIONS} --import=${pathToFileURL(FAULT_PRELOAD).href}`,
    FAULT_TORN: '1',
    ...(opts.at !== undefined && { FAULT_AT: String(opts.at) }),
    ...(opts.log !== undefined && { FAULT_LOG: opts.log }),
  };
}

/**
 * Count the fault points of `run` (a full run must succeed), then for each k: `reset()`,
 * `run` killed at k, `check(k, op)` (throws when an invariant does not hold), `recover()`.
 * Returns the ops in order and the failed checks (none for crash-safe code).
 */
export async function crashAtEveryPoint(opts: {
  reset: () => Promise<void> | void;
  run: (env: Record<string, string>) => Promise<FaultRun>;
  check: (k: number, op: string) => Promise<void> | void;
  recover?: () => Promise<void> | void;
}): Promise<{ ops: string[]; failures: CrashFailure[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'mfa-exec-faults-'));
  try {
    const log = join(dir, 'ops');
    await opts.reset();
    const full = await opts.run(faultEnv({ log }));
    if (full.code !== 0) throw new Error(`the run without a fault failed (${full.code}): ${full.stderr}`);
    const ops = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[1]!);
    const failures: CrashFailure[] = [];
    for (let k = 1; k <= ops.length; k++) {
      await opts.reset();
      const r = await opts.run(faultEnv({ at: k }));
      const op = ops[k - 1]!;
      try {
        if (r.signal !== 'SIGKILL') throw new Error(`not killed at point ${k} (${op}): exit ${r.code} ${r.stderr}`);
        await opts.check(k, op);
        await opts.recover?.();
      } catch (e) {
        failures.push({ k, op, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return { ops, failures };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every file under `dirs` except `allowed` that holds one of `secrets` in plain text. */
export function plainSecretsIn(dirs: string[], secrets: string[], allowed: string[] = []): string[] {
  const found: string[] = [];
  const walk = (p: string): void => {
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) return;
    if (s.isDirectory()) for (const f of readdirSync(p)) walk(join(p, f));
    else if (s.isFile() && !allowed.includes(p)) {
      const text = readFileSync(p, 'latin1');
      for (const secret of secrets) if (text.includes(secret)) found.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return found;
}

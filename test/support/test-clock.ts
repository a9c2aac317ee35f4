// The test side of the test-only clock (clock-preload.cjs): one offset in a file, shared by
// the built CLI and its node helpers (through NODE_OPTIONS, preload.cjs), the local STS
// (`startFakeSts({ clock })`) and the TOTP helpers. A test whose subject is a wait advances
// the offset instead of spending real time.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_NODE_OPTIONS } from './preload.js';

const STEP_MS = 30_000;

/** A shared, adjustable clock: real time plus an offset kept in a file. */
export interface TestClock {
  /** the offset file ($TEST_MFA_EXEC_CLOCK) */
  file: string;
  /** environment for a spawned CLI: the preload and the offset file */
  env: Record<string, string>;
  /** the shifted time, in ms since the epoch */
  now(): number;
  offsetMs(): number;
  /** move the shared clock forward by `ms` (running CLIs see it within ~10 ms) */
  advance(ms: number): void;
  /** shift the clock so that it is `intoWindowMs` into a fresh 30 s TOTP window (far from its edge) */
  startOfWindow(intoWindowMs?: number): void;
  cleanup(): Promise<void>;
}

/** Real time, whatever `Date` says in this process. */
export const realNow = (): number => performance.timeOrigin + performance.now();

export async function createTestClock(): Promise<TestClock> {
  const dir = await mkdtemp(join(tmpdir(), 'mfa-exec-clock-'));
  const file = join(dir, 'offset');
  writeFileSync(file, '0');
  const offsetMs = (): number => Number(readFileSync(file, 'utf8'));
  // Written whole, then renamed over: a reader never sees a half-written number.
  const set = (ms: number): void => {
    writeFileSync(`${file}.new`, String(Math.round(ms)));
    renameSync(`${file}.new`, file);
  };
  const clock: TestClock = {
    file,
    env: { TEST_MFA_EXEC_CLOCK: file, NODE_OPTIONS: TEST_NODE_OPTIONS },
    now: () => realNow() + offsetMs(),
    offsetMs,
    advance: (ms) => set(offsetMs() + ms),
    startOfWindow: (intoWindowMs = 1000) => {
      const now = clock.now();
      set(offsetMs() + (STEP_MS - (now % STEP_MS)) + intoWindowMs);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  return clock;
}

/**
 * Run `work` while the clock moves forward by `stepMs` every `everyMs` of real time (10x real
 * time by default), from when `ready()` holds (e.g. a command has started) until `work` settles.
 */
export async function advanceDuring<T>(
  clock: TestClock,
  work: Promise<T>,
  o: { stepMs?: number; everyMs?: number; ready?: () => boolean } = {},
): Promise<T> {
  let done = false;
  const ticking = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, o.everyMs ?? 25));
      if (!done && (o.ready?.() ?? true)) clock.advance(o.stepMs ?? 250);
    }
  })();
  try {
    return await work;
  } finally {
    done = true;
    await ticking;
  }
}

// Test-only clock, loaded from outside with `--require` (NODE_OPTIONS, see test-clock.ts; CommonJS,
// so the single executable, which takes --require but no --import, loads it too);
// the product has no switch for it. When $TEST_MFA_EXEC_CLOCK names a file holding an offset
// in milliseconds, `Date` runs that far ahead of the real clock, and every pending
// `setTimeout` is due at its virtual time: when the test advances the offset (rewrites the
// file), timers whose virtual time has come fire at once. The same offset is read by the
// local STS and the TOTP helpers of the test process, so codes, expiries and waits agree.
const { readFileSync } = require('node:fs');

const file = process.env.TEST_MFA_EXEC_CLOCK;
if (file) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const read = (fallback) => {
    try {
      const text = readFileSync(file, 'utf8').trim();
      return /^-?\d+$/.test(text) ? Number(text) : fallback;
    } catch {
      return fallback;
    }
  };
  let offset = read(0);
  const now = () => realNow() + offset;

  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) => Reflect.construct(target, args.length ? args : [now()], newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, prop, receiver) => (prop === 'now' ? now : Reflect.get(target, prop, receiver)),
  });

  /** Pending timers and their virtual due time. */
  const pending = new Map();
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const setTimeoutShifted = function (callback, ms, ...args) {
    if (typeof callback !== 'function') return realSetTimeout(callback, ms, ...args);
    const delay = Math.max(1, Number(ms) || 0);
    const timer = realSetTimeout(
      function (...a) {
        pending.delete(timer);
        return callback.apply(this, a);
      },
      ms,
      ...args,
    );
    pending.set(timer, now() + delay);
    return timer;
  };
  Object.defineProperties(setTimeoutShifted, Object.getOwnPropertyDescriptors(realSetTimeout));
  globalThis.setTimeout = setTimeoutShifted;
  globalThis.clearTimeout = (timer) => {
    if (timer && typeof timer === 'object') pending.delete(timer);
    realClearTimeout(timer);
  };

  // Follow the shared offset; re-arm pending timers against the new virtual time.
  const watcher = setInterval(() => {
    const next = read(offset);
    if (next === offset) return;
    offset = next;
    for (const [timer, due] of pending) {
      if (timer._destroyed) {
        pending.delete(timer);
        continue;
      }
      timer._idleTimeout = Math.max(1, due - now());
      timer.refresh();
    }
  }, 10);
  watcher.unref();
}

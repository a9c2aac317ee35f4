import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkRange, describeExpiry, formatSeconds, isoUtc, parseDuration } from '../../src/core/duration.js';
import { MfaExecError } from '../../src/core/errors.js';
import { thrown } from '../support/failure.js';

describe('parseDuration', () => {
  it.each([
    ['3600', 3600],
    ['1h', 3600],
    ['90m', 5400],
    ['1h30m', 5400],
    ['45s', 45],
    ['1d', 86400],
    ['1d2h3m4s', 86400 + 7200 + 180 + 4],
    [' 2h ', 7200],
    ['0', 0],
  ])('%j is %i seconds', (text, seconds) => {
    expect(parseDuration(text, '--duration')).toBe(seconds);
  });

  it.each(['', ' ', 'h', '1x', '1.5h', '-60', '1h 30m', '30m1h', '1H', 'one hour', '1hh', '3600s5'])(
    '%j is a usage error naming the flag',
    (text) => {
      const e = thrown(() => parseDuration(text, '--session-duration'));
      expect(e.kind).toBe('usage');
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain('--session-duration');
      expect(e.hint).toMatch(/1h/);
    },
  );
});

describe('checkRange', () => {
  it('returns the value inside the range, bounds included', () => {
    expect(checkRange(900, 900, 3600, 'x')).toBe(900);
    expect(checkRange(3600, 900, 3600, 'x')).toBe(3600);
  });

  it('refuses values outside it, and fractions, with the limits in the hint', () => {
    for (const v of [899, 3601, 1000.5, NaN]) {
      expect(() => checkRange(v, 900, 3600, 'role credentials')).toThrow(MfaExecError);
    }
    try {
      checkRange(899, 900, 3600, 'role credentials');
    } catch (e) {
      expect((e as MfaExecError).kind).toBe('usage');
      expect((e as MfaExecError).message).toContain('role credentials');
      expect((e as MfaExecError).hint).toBe('AWS allows 15m to 1h');
    }
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [60, '1m'],
    [3600, '1h'],
    [5400, '1h30m'],
    [3661, '1h1m1s'],
    [3605, '1h5s'],
    [129600, '36h'],
    [-90, '-1m30s'],
  ])('%i is %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});

describe('describeExpiry', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  const at = (s: number) => new Date(now.getTime() + s * 1000);

  it('rounds down to whole minutes from a minute on', () => {
    expect(describeExpiry(at(42 * 60 + 59), now)).toBe('in 42m');
    expect(describeExpiry(at(3 * 3600 + 5 * 60 + 30), now)).toBe('in 3h5m');
    expect(describeExpiry(at(3600), now)).toBe('in 1h');
  });

  it('shows seconds under a minute', () => {
    expect(describeExpiry(at(30), now)).toBe('in 30s');
  });

  it('says expired at and after the expiration', () => {
    expect(describeExpiry(at(0), now)).toBe('expired');
    expect(describeExpiry(at(-3600), now)).toBe('expired');
    expect(describeExpiry(new Date(now.getTime() + 999), now)).toBe('expired');
  });
});

// Mutants left by `npm run mutate` (see the report): multi-digit units, and non-finite values.
describe('mutation survivors', () => {
  it('takes more than one digit before d and h: "12h" and "10d1h"', () => {
    expect(parseDuration('12h', '--duration')).toBe(43_200);
    expect(parseDuration('10d1h', '--duration')).toBe(867_600);
  });

  it('formats a non-finite number as itself', () => {
    expect(formatSeconds(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(formatSeconds(Number.NaN)).toBe('NaN');
  });
});

describe('isoUtc', () => {
  it('writes what toISOString writes, for any instant from year 0 to 9999 and beyond', () => {
    const min = Date.parse('0000-01-01T00:00:00.000Z');
    const max = Date.parse('9999-12-31T23:59:59.999Z');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min, max }),
          fc.integer({ min: min - 1e12, max: min }),
          fc.integer({ min: max, max: max + 1e12 }),
        ),
        (ms) => {
          const d = new Date(ms);
          expect(isoUtc(d)).toBe(d.toISOString());
        },
      ),
    );
    expect(isoUtc(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
    expect(isoUtc(new Date(-62198755200000))).toBe(new Date(-62198755200000).toISOString()); // year -1
  });

  it('refuses an invalid date as toISOString does', () => {
    expect(() => isoUtc(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => isoUtc(new Date(Number.NaN))).toThrow('Invalid time value');
  });
});

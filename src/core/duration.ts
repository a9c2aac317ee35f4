// Durations as users write them (`1h`, `90m`, `3600`, `1h30m`), the AWS limits on them, and
// instants as AWS writes them (ISO 8601 in UTC).

import { MfaExecError } from './errors.js';

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in `text` ("3600", "1h", "90m", "1h30m", "45s"); throws a usage error for anything else. */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const parts = t.match(/^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/);
  if (!t || !parts || parts.slice(1).every((p) => p === undefined)) {
    throw new MfaExecError('usage', `invalid duration "${text}" for ${flag}`, {
      hint: 'use seconds or a unit, e.g. 3600, 1h, 90m, 1h30m',
    });
  }
  const [, d, h, m, s] = parts;
  return Number(d ?? 0) * UNIT.d! + Number(h ?? 0) * UNIT.h! + Number(m ?? 0) * UNIT.m! + Number(s ?? 0);
}

/** Throws a usage error unless `min <= seconds <= max` (the AWS limit for `what`). */
export function checkRange(seconds: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new MfaExecError('usage', `${what} of ${formatSeconds(seconds)} is out of range`, {
      hint: `AWS allows ${formatSeconds(min)} to ${formatSeconds(max)}`,
    });
  }
  return seconds;
}

/** A short human form: 3600 → "1h", 5400 → "1h30m", 45 → "45s". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const neg = seconds < 0 ? '-' : '';
  let rest = Math.abs(Math.round(seconds));
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const out = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
  return neg + out;
}

/** "in 42m", "in 3h5m", "expired" for `expiration` seen from `now`. */
export function describeExpiry(expiration: Date, now: Date): string {
  const left = Math.floor((expiration.getTime() - now.getTime()) / 1000);
  if (left <= 0) return 'expired';
  const rounded = left >= 60 ? Math.floor(left / 60) * 60 : left;
  return `in ${formatSeconds(rounded)}`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * `date` as Date#toISOString writes it (`2026-12-01T22:37:16.000Z`, years 0–9999), from the UTC
 * fields alone. toISOString loads the local time zone first (reads /etc/localtime, ~1 ms on a
 * warm run that needs no local time at all).
 */
export function isoUtc(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('Invalid time value');
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) return date.toISOString();
  return (
    `${pad(y, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}Z`
  );
}

// Where the sections of a large AWS config file are, so that a warm run reads only the ones its
// chain needs instead of the whole file (a 5,000-profile config is ~800 KB: reading it took ~9 ms,
// most of it first touches of fresh memory, and checking every header ~3 ms more).
//
// One small file per config file, `$XDG_CACHE_HOME/mfa-exec/config-index/<hash of its path>.json`:
// the config file's identity (device, inode, size, mtime and ctime in ns) and, for each
// (kind, name) a run looked up, the byte ranges of its sections (none: no such section). It holds
// no setting, only offsets and the names looked up. It is written only by a run that read the
// whole file and found every header well-formed (aws-files.ts checks them all, as the whole CLI
// does), and only when the file had not changed for 2 s: a later edit then gets a later ctime even on
// file systems with coarse timestamps, so an edit never leaves a matching entry behind. It is
// replaced atomically (atomic-file.ts), 0600 in a 0700 folder. A reader
// takes an entry only when the file it opened has the same identity, and the entry's file is its
// user's and writable by no one else (another user's offsets could pick other sections of the
// config). Anything else (no entry, another file, a lookup the entry lacks) reads the whole file.

import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** Files below this size are read whole: a small file reads faster than the index. */
export const INDEXED_SIZE = 64 * 1024;
/** An entry is written only when the file is older than this (coarse file-system timestamps). */
const SETTLED_MS = 2_000;

/** Byte ranges [start, end) of the sections one lookup found, in file order. */
export type Ranges = [number, number][];

/** The identity of one version of a file: equal identities, same contents. */
function identity(s: BigIntStats): string {
  return [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join(':');
}

/** FNV-1a of the path, for the entry's file name (the entry names its path in full). */
function pathHash(path: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The index folder for `env` and `home` (`$XDG_CACHE_HOME/mfa-exec/config-index`). */
export function configIndexDir(env: Record<string, string | undefined>, home: string): string {
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'mfa-exec', 'config-index');
}

/** One config file opened through its index: its sections by lookup, and what to learn for next time. */
export interface IndexedFile {
  /** The lookups the entry has (`${kind} ${name}`). */
  keys(): string[];
  /** The ranges of `key`, or undefined when the entry does not have it. */
  ranges(key: string): Ranges | undefined;
  /** The text of the given sections, in file order (each ends with a line break). */
  read(ranges: Ranges): string;
  /** Remember what a whole-file read found for `key`; written by `save`. */
  learn(key: string, ranges: Ranges): void;
  /** Write the entry, with what was learned, if the file is settled and anything was learned. */
  save(now: number): void;
  close(): void;
}

/**
 * Open `path` (a config file of at least INDEXED_SIZE bytes, `stat` its fstat) with the entry in
 * `dir`, when one matches it; an unusable entry counts as none.
 */
export function openIndexed(dir: string, path: string, fd: number, stat: BigIntStats): IndexedFile {
  const file = join(dir, `${pathHash(path)}.json`);
  const id = identity(stat);
  const known = new Map<string, Ranges>(Object.entries(readEntry(file, path, id, Number(stat.size)) ?? {}));
  let learned = false;
  return {
    keys: () => [...known.keys()],
    ranges: (key) => known.get(key),
    read: (ranges) => {
      let text = '';
      for (const [start, end] of ranges) {
        const bytes = Buffer.allocUnsafe(end - start);
        let got = 0;
        while (got < bytes.length) {
          const n = readSync(fd, bytes, got, bytes.length - got, start + got);
          if (n === 0) throw new Error(`${path} ended before its indexed section`);
          got += n;
        }
        const section = bytes.toString('utf8');
        text += section.endsWith('\n') ? section : `${section}\n`;
      }
      return text;
    },
    learn: (key, ranges) => {
      if (known.has(key)) return;
      known.set(key, ranges);
      learned = true;
    },
    save: (now) => {
      const changed = Math.max(Number(stat.mtimeNs / 1_000_000n), Number(stat.ctimeNs / 1_000_000n));
      if (!learned || now - changed < SETTLED_MS) return;
      const entry = { v: 1, path, id, lookups: Object.fromEntries(known) };
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileAtomic(file, JSON.stringify(entry));
      } catch {
        // An index that cannot be written: the next run reads the whole file again.
      }
    },
    close: () => closeSync(fd),
  };
}

/** The lookups of the entry in `file` if it is this user's, unwritable by others, and for this version of `path`. */
function readEntry(file: string, path: string, id: string, size: number): Record<string, Ranges> | undefined {
  try {
    const s = lstatSync(file);
    if (!s.isFile() || s.uid !== process.getuid?.() || (s.mode & 0o022) !== 0) return undefined;
    const entry = JSON.parse(readFileSync(file, 'utf8')) as {
      v?: unknown;
      path?: unknown;
      id?: unknown;
      lookups?: unknown;
    };
    if (entry.v !== 1 || entry.path !== path || entry.id !== id) return undefined;
    const lookups = entry.lookups as Record<string, Ranges>;
    if (typeof lookups !== 'object' || lookups === null) return undefined;
    for (const ranges of Object.values(lookups)) {
      if (!Array.isArray(ranges)) return undefined;
      for (const r of ranges)
        if (
          !Array.isArray(r) ||
          !Number.isInteger(r[0]) ||
          !Number.isInteger(r[1]) ||
          r[0] < 0 ||
          r[0] >= r[1] ||
          r[1] > size
        )
          return undefined;
    }
    return lookups;
  } catch {
    return undefined;
  }
}

/** Open `path` for reading with its fstat (bigint), or undefined when it does not exist. */
export function openWithStat(path: string): { fd: number; stat: BigIntStats } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return { fd, stat: fstatSync(fd, { bigint: true }) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

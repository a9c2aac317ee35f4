// The native addon of the single executable (dist/bin/mfa-exec-linux-x64): embedded as an
// asset, written on first use to a per-user cache folder under its content hash, checked
// byte for byte against the asset on every load, then loaded. The folder must be the user's
// and 0700 (code is loaded from it); an existing one that is not is refused, with the fix.

import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MfaExecError } from '../core/errors.js';

interface SeaModule {
  getRawAsset(key: string): ArrayBuffer;
}

/** The exports of the addon embedded as asset `name`, whose SHA-256 (hex) the build recorded as `sha256`. */
export function loadEmbeddedAddon(name: string, sha256: string, env: Record<string, string | undefined>): unknown {
  const sea = require('node:sea') as SeaModule;
  const bytes = Buffer.from(sea.getRawAsset(name));
  const dir = join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'mfa-exec', 'native');
  const file = join(dir, `${sha256}-${name}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw cacheError(dir, e);
  }
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new MfaExecError('store', `the native module cache ${dir} is not a 0700 folder of yours`, {
      hint: `run \`chmod 700 ${dir}\` or remove it`,
    });
  }
  let current: Buffer | undefined;
  try {
    current = readFileSync(file);
  } catch {
    // not written yet
  }
  if (!current?.equals(bytes)) {
    // Written beside, then renamed over: a reader sees the old file or the whole new one.
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      throw cacheError(dir, e);
    }
    if (!readFileSync(file).equals(bytes)) throw cacheError(dir, new Error('written file differs'));
  }
  const module = { exports: {} as unknown };
  process.dlopen(module, file);
  return module.exports;
}

function cacheError(dir: string, e: unknown): MfaExecError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  return new MfaExecError('store', `cannot write the native module cache ${dir} (${code})`, {
    hint: 'check that the XDG_CACHE_HOME folder is yours and writable, or use --backend file',
    cause: e,
  });
}

// Replace a file atomically: temp file in the same folder, fsync, rename, fsync the folder.
// The file keeps its mode; a crash leaves either the old or the new content, never a mix.

import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Write `text` to `path` atomically, keeping the existing file's mode (else `mode`). */
export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  let fileMode = mode;
  try {
    fileMode = statSync(path).mode & 0o7777;
  } catch {
    // a new file gets `mode`
  }
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', fileMode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

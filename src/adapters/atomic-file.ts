// Replace a file atomically: temp file in the same folder, fsync, rename, fsync the folder.
// The file keeps its mode; a crash leaves either the old or the new content, never a mix.
// A symlink is followed to the real file (a dotfiles repository, say), which is the one
// replaced: renaming onto the link itself would leave the old content in its target.

import {
  closeSync,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readlinkSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

/** At most this many links are followed (as the kernel's ELOOP limit). */
const MAX_LINKS = 40;

/** The file `path` names after following every symlink, including a final dangling one. */
export function realTarget(path: string): string {
  let current = resolve(path);
  for (let i = 0; i < MAX_LINKS; i++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw e;
    }
    if (!isLink) return current;
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw Object.assign(new Error(`too many symbolic links: ${path}`), { code: 'ELOOP' });
}

/** Write `text` to the file `path` names (through symlinks) atomically, keeping its mode (else `mode`). */
export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  const target = realTarget(path);
  let fileMode = mode;
  try {
    fileMode = statSync(target).mode & 0o7777;
  } catch {
    // a new file gets `mode`
  }
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', fileMode);
  try {
    fchmodSync(fd, fileMode); // exactly the old mode, whatever the umask
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
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

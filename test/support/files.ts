// Every file a test searches, e.g. for a secret that must not be written anywhere.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The regular files below `dir`, at any depth, following links (the sandbox's run folder is one). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    const s = statSync(p);
    return s.isDirectory() ? filesUnder(p) : s.isFile() ? [p] : [];
  });
}

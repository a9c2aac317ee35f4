// The PATH the tests give their children: where `python3` on PATH is a version manager's shim
// (pyenv's is a bash script that runs ~15 more programs before Python starts), the folder of the
// Python it leads to goes first, so `python3`, `aws` and `moto_server` start directly. The same
// programs run either way; only the dispatch is skipped. Without python3, or without a shim,
// PATH is returned unchanged.
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function pythonBinFirst(path: string): string {
  const onPath = path
    .split(':')
    .filter((d) => d !== '')
    .map((d) => join(d, 'python3'))
    .find((f) => existsSync(f));
  if (onPath === undefined) return path;
  let real: string;
  try {
    real = execFileSync(onPath, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  } catch {
    return path;
  }
  if (real === '' || realpathSync(real) === realpathSync(onPath)) return path;
  return `${dirname(real)}:${path}`;
}

// Test-only fault injection, loaded from outside with `node --import` (see crash-points.ts);
// the product has no switch for it. Counts the calls of the wrapped fs functions (writes,
// renames, fsyncs, unlinks: sync, callback, promise and FileHandle forms) and, when
// $FAULT_AT is k, SIGKILLs the process at the k-th one, before it runs. With $FAULT_TORN=1
// a write at k is first done in part (half its bytes), as a power cut would leave it.
// $FAULT_LOG names a file that gets one line per counted call ("n op"), so a run without
// $FAULT_AT tells how many fixed points there are.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const at = Number(process.env.FAULT_AT || 0);
const log = process.env.FAULT_LOG;
const torn = process.env.FAULT_TORN === '1';
if (at || log) {
  const fs = createRequire(import.meta.url)('node:fs');
  const rawWriteSync = fs.writeSync;
  const logFd = log ? fs.openSync(log, 'a') : undefined;
  let n = 0;
  // Calls made from inside a wrapped call (appendFileSync calls writeFileSync) are not counted again.
  let depth = 0;
  const die = () => process.kill(process.pid, 'SIGKILL');
  // Called before each wrapped call; `partial` writes part of the data at the fatal point.
  const point = (op, partial) => {
    n += 1;
    if (logFd !== undefined) rawWriteSync(logFd, `${n} ${op}\n`);
    if (n === at) {
      if (torn && partial) partial();
      die();
    }
  };
  const half = (data) => {
    const b = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return b.subarray(0, Math.floor(b.length / 2));
  };
  const OPS = {
    write: ['writeSync', 'write', 'writeFileSync', 'writeFile', 'appendFileSync', 'appendFile', 'writev', 'writevSync'],
    rename: ['renameSync', 'rename'],
    fsync: ['fsyncSync', 'fsync', 'fdatasyncSync', 'fdatasync'],
    unlink: ['unlinkSync', 'unlink', 'rmSync', 'rm'],
  };
  const opOf = new Map(Object.entries(OPS).flatMap(([op, names]) => names.map((name) => [name, op])));
  // A partial write for the forms whose first argument is a path or an fd.
  const partialFor = (name, args) => {
    if (name === 'writeSync' && typeof args[0] === 'number' && args[1] !== undefined)
      return () => rawWriteSync(args[0], half(args[1]));
    if ((name === 'writeFileSync' || name === 'writeFile') && args[1] !== undefined)
      return () => fs.writeFileSync(args[0], half(args[1]), typeof args[2] === 'object' ? args[2] : undefined);
    return undefined;
  };
  const wrap = (target, name, op) => {
    const real = target[name];
    if (typeof real !== 'function') return;
    target[name] = function (...args) {
      if (depth > 0) return real.apply(this, args);
      depth += 1;
      try {
        point(op, partialFor(name, args));
        return real.apply(this, args);
      } finally {
        depth -= 1;
      }
    };
  };
  for (const [name, op] of opOf) wrap(fs, name, op);
  for (const [name, op] of opOf) wrap(fs.promises, name, op);
  // FileHandle: its methods live on the prototype of any handle.
  const handle = await fs.promises.open(process.execPath, 'r');
  const proto = Object.getPrototypeOf(handle);
  await handle.close();
  for (const [name, op] of [
    ['write', 'write'],
    ['writeFile', 'write'],
    ['writev', 'write'],
    ['appendFile', 'write'],
    ['sync', 'fsync'],
    ['datasync', 'fsync'],
  ]) {
    const real = proto[name];
    proto[name] = function (...args) {
      const partial =
        name === 'writeFile' && args[0] !== undefined ? () => rawWriteSync(this.fd, half(args[0])) : undefined;
      if (depth > 0) return real.apply(this, args);
      depth += 1;
      try {
        point(op, partial);
        return real.apply(this, args);
      } finally {
        depth -= 1;
      }
    };
  }
  syncBuiltinESMExports();
}

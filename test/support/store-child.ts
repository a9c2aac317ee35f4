// Runs one keychain-store operation in its own process (the native module keeps
// its D-Bus connection per process): `store-child.ts <get|set|delete|list|direct> [name]`.
// `direct` is the Secret Service reader alone (adapters/secret-service.ts), with no deadline
// timer or anything else keeping the process alive.
// A value for `set` comes on stdin, never argv. Prints one JSON line:
// {"ok": result, "ms"} or {"error": {kind, message, hint}, "ms"} (ms: time the store call took).

import { createKeychainStore } from '../../src/adapters/keychain.js';
import { readSecretDirect } from '../../src/adapters/secret-service.js';
import { isMfaExecError } from '../../src/core/errors.js';

const [op, name = ''] = process.argv.slice(2);
const store = createKeychainStore({ service: process.env.STORE_CHILD_SERVICE || 'mfa-exec-test' });

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function run(): Promise<unknown> {
  switch (op) {
    case 'get':
      return store.get(name);
    case 'set':
      return store.set(name, await readStdin()).then(() => null);
    case 'delete':
      return store.delete(name);
    case 'list':
      return store.list();
    case 'direct':
      return readSecretDirect(process.env.STORE_CHILD_SERVICE || 'mfa-exec-test', name, process.env);
    default:
      throw new Error(`unknown op ${op}`);
  }
}

const started = performance.now();
try {
  const ok = await run();
  process.stdout.write(JSON.stringify({ ok, ms: performance.now() - started }) + '\n');
} catch (e) {
  if (!isMfaExecError(e)) throw e;
  const error = { kind: e.kind, message: e.message, hint: e.hint };
  process.stdout.write(JSON.stringify({ error, ms: performance.now() - started }) + '\n');
}

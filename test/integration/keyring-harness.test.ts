import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requireKeyringOrSkip, startPrivateKeyring } from '../support/keyring.js';

const run = promisify(execFile);

// Runs keyring code in a child node: @napi-rs/keyring keeps one bus connection per process.
async function inChild(env: Record<string, string>, code: string): Promise<string> {
  const script = `const { Entry } = require('@napi-rs/keyring'); const e = new Entry('mfa-exec-test', 'x', { linux: { store: 'secret-service' } }); ${code}`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    env: { ...process.env, ...env },
    cwd: process.cwd(),
  });
  return stdout.trim();
}

describe('private keyring harness', () => {
  it('stores an item in one child and reads it back in another, then forgets it with the keyring', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const keyring = await startPrivateKeyring();
    try {
      expect(keyring.env.DBUS_SESSION_BUS_ADDRESS).toContain(keyring.dir);
      expect(keyring.env.XDG_RUNTIME_DIR?.startsWith(keyring.dir)).toBe(true);
      await inChild(keyring.env, "e.setPassword('s3cret-value')");
      expect(await inChild(keyring.env, 'process.stdout.write(String(e.getPassword()))')).toBe('s3cret-value');
    } finally {
      await keyring.stop();
    }
    const other = await startPrivateKeyring();
    try {
      // A fresh private keyring does not see the first one's item.
      expect(await inChild(other.env, 'process.stdout.write(String(e.getPassword()))')).toBe('null');
    } finally {
      await other.stop();
    }
  });
});

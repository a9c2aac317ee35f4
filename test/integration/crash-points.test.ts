// The encrypted file store killed at every fixed point of a write (test/support/crash-points.ts):
// `add` of a third key to a store holding two, SIGKILLed at each write, rename, fsync and
// unlink. After each kill the store opens, the two keys are intact, the third is there whole
// or not at all, and no key is in plain text in any file; running `add` again completes it.

import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/adapters/file-store.js';
import { decodeKey, keyItem } from '../../src/core/store-items.js';
import { makeSandbox, type Sandbox } from '../support/cli.js';
import { crashAtEveryPoint, plainSecretsIn } from '../support/crash-points.js';

const KEYS = [1, 2, 3].map((i) => ({
  name: `crash${i}`,
  id: `AKIACRASHPOINTS0000${i}`,
  secret: `cRaSh/${i}/K7MDENG/bPxRfiCYEXAMPLEKEY0000`,
}));

let box: Sandbox;
const storeDir = () => join(box.dir, 'store');
const snapshot = () => join(box.dir, 'store-with-two');
const add = (k: (typeof KEYS)[number], env: Record<string, string> = {}) =>
  box.run(['add', k.name, '--env'], { env: { AWS_ACCESS_KEY_ID: k.id, AWS_SECRET_ACCESS_KEY: k.secret, ...env } });

beforeAll(async () => {
  box = await makeSandbox({ backend: 'file' });
  await box.writeConfig(KEYS.map((k) => `[profile ${k.name}]\nregion = eu-west-1\n`).join('\n'));
  for (const k of KEYS.slice(0, 2)) expect((await add(k)).code).toBe(0);
  cpSync(storeDir(), snapshot(), { recursive: true });
});
afterAll(() => box.cleanup());

// One reader for every check: it derives the vault key (scrypt N=2^17) once per salt, and the
// snapshot and every add keep the same salt.
let reader: ReturnType<typeof createFileStore> | undefined;

async function stored(): Promise<Map<string, { accessKeyId: string; secretAccessKey: string }>> {
  const store = (reader ??= createFileStore({
    dir: storeDir(),
    kdf: box.kdf,
    getPassphrase: async () => box.env.MFA_EXEC_FILE_PASSPHRASE!,
  }));
  const out = new Map<string, { accessKeyId: string; secretAccessKey: string }>();
  for (const k of KEYS) {
    const key = decodeKey(await store.get(keyItem(k.name)));
    if (key) out.set(k.name, key);
  }
  return out;
}

describe('file store at fixed crash points', () => {
  it('add, killed at every write, rename, fsync and unlink: the store opens, no key lost or half-stored, none in plain text', async () => {
    const third = KEYS[2]!;
    const { ops, failures } = await crashAtEveryPoint({
      reset: () => {
        rmSync(storeDir(), { recursive: true, force: true });
        cpSync(snapshot(), storeDir(), { recursive: true });
      },
      run: (env) => add(third, env),
      check: async () => {
        const keys = await stored();
        for (const k of KEYS.slice(0, 2))
          expect(keys.get(k.name), `${k.name} kept`).toMatchObject({ accessKeyId: k.id, secretAccessKey: k.secret });
        const t = keys.get(third.name);
        if (t) expect(t).toMatchObject({ accessKeyId: third.id, secretAccessKey: third.secret });
        expect(
          plainSecretsIn([box.dir], KEYS.map((k) => k.secret).concat(KEYS.map((k) => k.id))),
          'a key in plain text',
        ).toEqual([]);
      },
      recover: async () => {
        // The killed run's store lock would go stale in seconds (tested in file-store.test.ts): skip that wait.
        rmSync(join(storeDir(), 'store.enc.lock'), { recursive: true, force: true });
        const again = await add(third);
        expect(again.code).toBe(0);
        expect((await stored()).size).toBe(3);
      },
    });
    console.log(`file store add: ${ops.length} fixed points (${ops.join(' ')})`);
    expect(failures).toEqual([]);
    expect(ops).toContain('rename');
    // Two adds per point, each deriving the vault key at N=2^17 (~1 s here, more under load).
  }, 600_000);
});

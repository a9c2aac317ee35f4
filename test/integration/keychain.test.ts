// The keychain store against a real gnome-keyring on a private D-Bus session.
// Each store call runs in its own child process (test/support/store-child.ts):
// the native module keeps one D-Bus connection per process, and separate
// processes are what the CLI does anyway.

import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  keyringAvailable,
  requireKeyringOrSkip,
  startPrivateKeyring,
  type PrivateKeyring,
} from '../support/keyring.js';
import { bundledChild } from '../support/bundled.js';
import { DbusConnection, socketPath } from '../../src/adapters/dbus.js';
import { readSecretDirect } from '../../src/adapters/secret-service.js';

const run = promisify(execFile);
// Bundled once per run (test/support/global-setup.ts): no tsx compile per spawn.
const CHILD = bundledChild('store-child');

interface ChildResult {
  ok?: unknown;
  error?: { kind: string; message: string; hint?: string };
  ms: number;
}

// Runs one store operation in a child; resolves with its JSON line as soon as it is
// printed, then ends the child if it is still waiting on an abandoned native call.
function store(env: Record<string, string | undefined>, args: string[], input = ''): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], {
      env: { ...process.env, STORE_CHILD_SERVICE: 'mfa-exec-test', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        if (child.exitCode === null) child.kill('SIGKILL');
        resolve(JSON.parse(line) as ChildResult);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`store-child ${args[0]} exited ${code}: ${err}`));
    });
    child.stdin.end(input);
  });
}

const NAMES = ['key:prod', 'session:prod_user:arn:aws:iam::1:mfa/x', 'role:prod'];
const BIG = 'ü☃𝄞-'.repeat(1024).slice(0, 4096);

describe('keychain store on a private gnome-keyring', () => {
  let keyring: PrivateKeyring | undefined;
  beforeAll(async () => {
    if (keyringAvailable().ok) keyring = await startPrivateKeyring();
  });
  afterAll(() => keyring?.stop());

  it('round-trips set, get, list and delete across processes, with ":" and "/" in names', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const env = keyring!.env;
    expect(await store(env, ['list'])).toMatchObject({ ok: [] });
    for (const [i, name] of NAMES.entries())
      expect(await store(env, ['set', name], `value-${i}`)).toMatchObject({ ok: null });
    for (const [i, name] of NAMES.entries())
      expect(await store(env, ['get', name])).toMatchObject({ ok: `value-${i}` });
    expect(((await store(env, ['list'])).ok as string[]).sort()).toEqual([...NAMES].sort());
    await store(env, ['set', 'key:prod'], 'replaced');
    expect(await store(env, ['get', 'key:prod'])).toMatchObject({ ok: 'replaced' });
    expect(await store(env, ['delete', 'key:prod'])).toMatchObject({ ok: true });
    expect(await store(env, ['get', 'key:prod'])).toMatchObject({ ok: null });
    expect(((await store(env, ['list'])).ok as string[]).sort()).toEqual(NAMES.slice(1).sort());
    for (const name of NAMES.slice(1)) await store(env, ['delete', name]);
    expect(await store(env, ['list'])).toMatchObject({ ok: [] });
  });

  it('keeps unicode and 4 KB values intact', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const env = keyring!.env;
    expect(BIG.length).toBe(4096);
    await store(env, ['set', 'big'], BIG);
    expect((await store(env, ['get', 'big'])).ok).toBe(BIG);
    await store(env, ['set', 'small'], 'é\u0000\n\t ');
    expect((await store(env, ['get', 'small'])).ok).toBe('é\u0000\n\t ');
    await store(env, ['delete', 'big']);
    await store(env, ['delete', 'small']);
  });

  it('answers null for a missing item and false for deleting one', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const env = keyring!.env;
    expect(await store(env, ['get', 'nothing:here'])).toMatchObject({ ok: null });
    expect(await store(env, ['delete', 'nothing:here'])).toMatchObject({ ok: false });
  });

  it('lists only its own service', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const env = keyring!.env;
    await store({ ...env, STORE_CHILD_SERVICE: 'someone-else' }, ['set', 'theirs'], 'x');
    await store(env, ['set', 'ours'], 'y');
    expect((await store(env, ['list'])).ok).toEqual(['ours']);
    await store(env, ['delete', 'ours']);
    await store({ ...env, STORE_CHILD_SERVICE: 'someone-else' }, ['delete', 'theirs']);
  });

  it('reads over D-Bus directly what the binding wrote: the value, null for none, and leaves two matches to the binding', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const env = keyring!.env;
    await store(env, ['set', 'role:direct'], BIG);
    expect(await readSecretDirect('mfa-exec-test', 'role:direct', env)).toBe(BIG);
    // In a process of its own, where nothing else keeps Node running, the read still answers.
    expect(await store(env, ['direct', 'role:direct'])).toMatchObject({ ok: BIG });
    expect(await readSecretDirect('mfa-exec-test', 'role:none', env)).toBeNull();
    expect(await readSecretDirect('someone-else', 'role:direct', env)).toBeNull();

    // A second item with the same attributes, in gnome-keyring's session collection: the
    // direct read does not choose between them; the binding reports the ambiguity.
    const bus = new DbusConnection(socketPath(env.DBUS_SESSION_BUS_ADDRESS!)!);
    try {
      const secrets = { destination: 'org.freedesktop.secrets', interface: 'org.freedesktop.Secret.Service' };
      const [, session] = await bus.call({
        ...secrets,
        path: '/org/freedesktop/secrets',
        member: 'OpenSession',
        signature: 'sv',
        body: ['plain', { sig: 's', value: '' }],
      });
      await bus.call({
        ...secrets,
        path: '/org/freedesktop/secrets/collection/session',
        interface: 'org.freedesktop.Secret.Collection',
        member: 'CreateItem',
        signature: 'a{sv}(oayays)b',
        body: [
          [
            ['org.freedesktop.Secret.Item.Label', { sig: 's', value: 'twin' }],
            [
              'org.freedesktop.Secret.Item.Attributes',
              {
                sig: 'a{ss}',
                value: [
                  ['service', 'mfa-exec-test'],
                  ['username', 'role:direct'],
                ],
              },
            ],
          ],
          [session!, Buffer.alloc(0), Buffer.from('twin-value'), 'text/plain'],
          false,
        ],
      });
      expect(await readSecretDirect('mfa-exec-test', 'role:direct', env)).toBeUndefined();
      const both = await store(env, ['get', 'role:direct']);
      expect(both.error?.message).toMatch(/^cannot read "role:direct" from the OS keychain/);
      expect(JSON.stringify(both)).not.toContain('twin-value');
    } finally {
      bus.close();
    }
    await store(env, ['delete', 'role:direct']).catch(() => undefined);
  });

  // Without a bus the pinned Secret Service fails loudly: no silent fallback to keyutils (which would answer null / []).
  for (const [what, bus] of [
    ['points to a dead socket', 'unix:path=/nonexistent/mfa-exec-test-bus'],
    ['is unset', undefined],
  ] as const) {
    it(`fails with a clear store error within 5 s when DBUS_SESSION_BUS_ADDRESS ${what}`, async () => {
      const env = { DBUS_SESSION_BUS_ADDRESS: bus, XDG_RUNTIME_DIR: '/nonexistent' };
      for (const args of [['get', 'key:prod'], ['set', 'key:prod'], ['delete', 'key:prod'], ['list']]) {
        const r = await store(env, args, 'never-stored-secret');
        expect(r.error).toEqual({
          kind: 'store',
          message: 'cannot reach the OS keychain (Secret Service over D-Bus)',
          hint: 'start gnome-keyring or use --backend file',
        });
        expect(r.ms).toBeLessThan(5000);
      }
    });
  }
});

describe('keychain store on a locked gnome-keyring', () => {
  it('fails within 5 s when the unlock prompt never answers, and says "locked" where it can tell', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const keyring = await startPrivateKeyring();
    try {
      const env = keyring.env;
      await store(env, ['set', 'key:prod'], 'secret-value');
      // A prompter that is activated but never answers, as when no display can show the dialog.
      const services = join(env.XDG_DATA_HOME!, 'dbus-1', 'services');
      await mkdir(services, { recursive: true });
      for (const name of ['org.gnome.keyring.SystemPrompter', 'org.gnome.keyring.PrivatePrompter']) {
        await writeFile(join(services, `${name}.service`), `[D-BUS Service]\nName=${name}\nExec=/bin/sleep 60\n`);
      }
      const busEnv = { ...process.env, ...env };
      await run(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.DBus',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.ReloadConfig',
        ],
        { env: busEnv },
      );
      await run(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.secrets',
          '/org/freedesktop/secrets',
          'org.freedesktop.Secret.Service.Lock',
          'array:objpath:/org/freedesktop/secrets/collection/login',
        ],
        { env: busEnv },
      );

      // The direct read sees the item is locked and leaves it (and the prompt) to the binding, at once.
      const t0 = Date.now();
      expect(await readSecretDirect('mfa-exec-test', 'key:prod', env)).toBeUndefined();
      expect(Date.now() - t0).toBeLessThan(1000);
      const get = await store(env, ['get', 'key:prod']);
      expect(get.error).toMatchObject({
        kind: 'store',
        message: 'the OS keychain (Secret Service over D-Bus) did not answer within 4 s',
      });
      expect(get.error?.hint).toContain('unlock the keyring');
      expect(get.ms).toBeLessThan(5000);

      const list = await store(env, ['list']);
      expect(list.error).toMatchObject({
        kind: 'store',
        message: 'the OS keychain (Secret Service over D-Bus) is locked',
      });
      expect(list.ms).toBeLessThan(5000);
      expect(JSON.stringify([get, list])).not.toContain('secret-value');
    } finally {
      await keyring.stop();
    }
  });
});

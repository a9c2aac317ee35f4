// The warm path's keychain read on Linux, straight over D-Bus: the Secret Service
// calls the native binding would make for Entry.getPassword, without loading the
// binding (its dlopen) and without its Diffie-Hellman session set-up, both paid on
// every run otherwise. Four calls in two round trips: Hello, OpenSession, SearchItems
// (pipelined), then GetSecrets.
//
// Only the plain case is answered here: exactly one matching item, unlocked, or none.
// Anything else (a locked item, which needs an unlock prompt; several matches; a bus
// address or reply this reader does not handle) is left to the binding, which decides
// as it always did. Writes, deletes and listing always go through the binding.
//
// The secret crosses the session bus with the "plain" transfer (the Secret Service
// specification's mandatory algorithm, as keyring-rs uses it without a crypto feature):
// the bus is a local socket between this user's processes, and a process that can watch
// it runs as this user and can ask the Secret Service for the same unlocked item itself.

import { DbusConnection, socketPath, type DbusValue, type Variant } from './dbus.js';

const SECRETS = {
  destination: 'org.freedesktop.secrets',
  path: '/org/freedesktop/secrets',
  interface: 'org.freedesktop.Secret.Service',
};

/** The keychain service mfa-exec's items live under (the binding's `service`, Secret Service attribute `service`). */
export const KEYCHAIN_SERVICE = 'mfa-exec';

/**
 * The value stored for (service, account) as the keyring binding stores it (attributes
 * `service` and `username`), null when there is none, or undefined when the binding must
 * decide (see above), which includes any failure of the bus or the Secret Service: the
 * binding then meets it too and reports it as it always did. Never rejects; `signal` ends the
 * read (its connection closed, undefined returned).
 */
export async function readSecretDirect(
  service: string,
  account: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<string | null | undefined> {
  const socket = env.DBUS_SESSION_BUS_ADDRESS ? socketPath(env.DBUS_SESSION_BUS_ADDRESS) : undefined;
  if (!socket || typeof process.getuid !== 'function' || signal?.aborted) return undefined;
  const bus = new DbusConnection(socket);
  const close = () => bus.close();
  signal?.addEventListener('abort', close);
  try {
    const opened = bus.call({
      ...SECRETS,
      member: 'OpenSession',
      signature: 'sv',
      body: ['plain', { sig: 's', value: '' }],
    });
    const found = bus.call({
      ...SECRETS,
      member: 'SearchItems',
      signature: 'a{ss}',
      body: [
        [
          ['service', service],
          ['username', account],
        ],
      ],
    });
    // Both awaited together: when both fail (the Secret Service gone), neither rejection is left unhandled.
    const [[, session], [unlocked, locked]] = (await Promise.all([opened, found])) as [
      [Variant, string],
      [string[], string[]],
    ];
    if (unlocked.length + locked.length === 0) return null;
    if (unlocked.length !== 1 || locked.length !== 0) return undefined;
    const [secrets] = (await bus.call({
      ...SECRETS,
      member: 'GetSecrets',
      signature: 'aoo',
      body: [unlocked, session],
    })) as [[string, DbusValue[]][]];
    // a{o(oayays)}: item → (session, parameters, value, content type)
    const value = secrets.find(([item]) => item === unlocked[0])?.[1][2];
    return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
  } catch {
    return undefined;
  } finally {
    signal?.removeEventListener('abort', close);
    bus.close();
  }
}

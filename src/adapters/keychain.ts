// SecretStore on the OS keychain through @napi-rs/keyring: macOS Keychain,
// Windows Credential Manager, and on Linux the Secret Service (pinned: never
// the kernel keyring, which does not survive a reboot). Each item is one
// keychain entry: service = `service`, account = the item's name.
//
// The native module loads on first use only; on Linux a read that finds one unlocked item
// (the warm path's) never loads it. Every call has a deadline: a
// locked keyring whose unlock prompt never shows (no display, a stuck
// prompter) would otherwise block forever. Native error text is mapped to one
// line; it never contains a stored value (values only travel inward).

import type { AsyncEntry as AsyncEntryType } from '@napi-rs/keyring';
import { createRequire } from 'node:module';
import { MfaExecError } from '../core/errors.js';
import { loadEmbeddedAddon } from './embedded-addon.js';
import { KEYCHAIN_SERVICE, readSecretDirect } from './secret-service.js';
import type { SecretStore } from '../core/types.js';

type Keyring = typeof import('@napi-rs/keyring');

const ENTRY_OPTIONS = { linux: { store: 'secret-service' as const } };

const KEYCHAIN =
  process.platform === 'darwin'
    ? 'the macOS Keychain'
    : process.platform === 'win32'
      ? 'the Windows Credential Manager'
      : 'the OS keychain (Secret Service over D-Bus)';

const REACH_HINT = process.platform === 'linux' ? 'start gnome-keyring or use --backend file' : 'use --backend file';

/**
 * A SecretStore on the OS keychain; every call fails with MfaExecError kind 'store' within `timeoutMs`
 * (default 4000, so that a whole invocation stays under 5 s). Past the deadline the native call is
 * abandoned but cannot be cancelled: Node's exit then waits for it (25 s for a prompter that never
 * starts; as long as an unlock dialog stays open).
 */
export function createKeychainStore(opts: { service?: string; timeoutMs?: number } = {}): SecretStore {
  const service = opts.service ?? KEYCHAIN_SERVICE;
  const timeoutMs = opts.timeoutMs ?? 4000;
  let keyring: Keyring | undefined;
  const entries = new Map<string, AsyncEntryType>();

  // Runs `op` with the keyring binding (loaded when `op` first asks for it) and a signal that
  // aborts at the deadline; bounded by that deadline, with errors mapped.
  async function call<T>(what: string, op: (binding: () => Keyring, signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = Date.now();
    const expired = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      // Entry construction connects to D-Bus synchronously, so the deadline counts from before it.
      const pending = op(() => (keyring ??= loadKeyring()), expired.signal);
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => {
            expired.abort();
            reject(new DeadlineError());
          },
          Math.max(0, timeoutMs - (Date.now() - started)),
        );
      });
      return await Promise.race([pending, deadline]);
    } catch (e) {
      throw toStoreError(e, what, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  function entry(k: Keyring, name: string): AsyncEntryType {
    let e = entries.get(name);
    if (!e) {
      e = new k.AsyncEntry(service, name, ENTRY_OPTIONS);
      entries.set(name, e);
    }
    return e;
  }

  return {
    // On Linux a read asks the Secret Service directly first (adapters/secret-service.ts), and
    // the binding only when that read cannot decide.
    get: (name) =>
      call(`read "${name}" from`, async (k, signal) => {
        const direct =
          process.platform === 'linux' ? await readSecretDirect(service, name, process.env, signal) : undefined;
        if (direct !== undefined) return direct;
        signal.throwIfAborted(); // past the deadline: the read is over, the binding is not asked
        return entry(k(), name).getPassword();
      }),
    set: (name, value) => call(`write "${name}" to`, async (k) => entry(k(), name).setPassword(value)),
    delete: (name) => call(`delete "${name}" from`, async (k) => entry(k(), name).deleteCredential()),
    // On Linux findCredentials always asks the Secret Service (never keyutils), so it matches the pin.
    list: () => call('list the items of', async (k) => (await k().findCredentialsAsync(service)).map((c) => c.account)),
  };
}

class DeadlineError extends Error {}

// This platform's binding package, required directly: @napi-rs/keyring's generic loader first
// probes for a .node file beside itself and builds an Error for each miss (~5 ms on the warm path).
const PLATFORM_PACKAGE: Partial<Record<string, string>> = {
  linux: `@napi-rs/keyring-linux-${process.arch}-gnu`,
  darwin: `@napi-rs/keyring-darwin-${process.arch}`,
  win32: `@napi-rs/keyring-win32-${process.arch}-msvc`,
};

/** Set by the single-executable build (scripts/build-binary.mjs): the SHA-256 of the embedded keyring addon. */
declare const MFA_EXEC_SEA_KEYRING_SHA256: string;
const EMBEDDED_KEYRING = typeof MFA_EXEC_SEA_KEYRING_SHA256 === 'string' ? MFA_EXEC_SEA_KEYRING_SHA256 : '';
/** Set to true by the npm build (scripts/build.mjs), whose bundle is CommonJS. */
declare const MFA_EXEC_COMMONJS: boolean;
const COMMONJS_BUNDLE = typeof MFA_EXEC_COMMONJS === 'boolean' && MFA_EXEC_COMMONJS;

// require(), not import(): Node would first pre-parse the CommonJS loader to build an ES facade (~7 ms).
// Elsewhere (musl, other platforms), or when the direct package is absent, the generic loader decides.
// The single executable loads the addon it embeds.
function loadKeyring(): Keyring {
  if (EMBEDDED_KEYRING) return loadEmbeddedAddon('keyring.node', EMBEDDED_KEYRING, process.env) as Keyring;
  // The npm bundle is CommonJS and has its own require; node:module (createRequire) would load
  // parts of the ES module loader (~2 ms). Run as an ES module (the tests), createRequire gives one.
  const load = COMMONJS_BUNDLE ? require : createRequire(import.meta.url);
  const direct = PLATFORM_PACKAGE[process.platform];
  if (direct) {
    try {
      return load(direct) as Keyring;
    } catch {
      // not installed here (another libc): the generic loader finds the right one or says why
    }
  }
  return load('@napi-rs/keyring') as Keyring;
}

// One line for the user from whatever the native layer threw.
function toStoreError(e: unknown, what: string, timeoutMs: number): MfaExecError {
  if (e instanceof MfaExecError) return e;
  if (e instanceof DeadlineError) {
    return new MfaExecError('store', `${KEYCHAIN} did not answer within ${timeoutMs / 1000} s`, {
      hint: 'unlock the keyring, which may be waiting for an unlock prompt that cannot be shown, or use --backend file',
    });
  }
  const text = e instanceof Error ? e.message : String(e);
  if (/locked|prompt was dismissed|unlock/i.test(text)) {
    return new MfaExecError('store', `${KEYCHAIN} is locked`, {
      hint: 'unlock it by logging in to the desktop session, or use --backend file',
      cause: e,
    });
  }
  if (
    /d-?bus|zbus|connect|no reply|did not receive a reply|ServiceUnknown|NameHasNoOwner|Secret Service provider|platform storage/i.test(
      text,
    )
  ) {
    return new MfaExecError('store', `cannot reach ${KEYCHAIN}`, { hint: REACH_HINT, cause: e });
  }
  const reason = text.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
  return new MfaExecError('store', `cannot ${what} ${KEYCHAIN}: ${reason}`, { hint: REACH_HINT, cause: e });
}

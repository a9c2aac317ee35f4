// The warm path, a second entry bundled alone (dist/warm.js, ~45 KB): the runs that make up most
// of a day, `mfa-exec PROFILE [--] CMD...`, `mfa-exec exec PROFILE [--] CMD...` and
// `mfa-exec export PROFILE --format json` (credential_process), when the profile's credentials are
// cached and fresh in the store: the keychain (the Secret Service, read directly over D-Bus) or
// the file store's runtime-key tier. dist/bin.js runs it first and the whole CLI (dist/main.js,
// ~180 KB) only when it declines, so that a warm run loads, reads and compiles a fraction of the
// code (docs/ARCHITECTURE.md, "The warm path").
//
// It declines (resolves undefined) on anything else: another command or shape, any flag, a nested
// run, no answer or a locked item, a read that would need the file store's passphrase, a miss,
// an error. It only reads, so the whole CLI then runs as if it had not: every message, prompt and
// error comes from there. Once it has the credentials it does what the whole CLI does with them,
// with the same functions (core/plan, core/child-env, adapters/child, commands/export).

import { homedir } from 'node:os';
import { loadAwsFilesIndexed } from '../adapters/aws-files.js';
import { configIndexDir } from '../adapters/config-index.js';
import { runChild } from '../adapters/child.js';
import { createFileStore, fileStoreDir } from '../adapters/file-store.js';
import { KEYCHAIN_SERVICE, readSecretDirect } from '../adapters/secret-service.js';
import { buildChildEnv } from '../core/child-env.js';
import { getProfile, resolveChain, resolveRegion } from '../core/config.js';
import { planCredentials, readCachedResult } from '../core/plan.js';
import type { SecretStore } from '../core/types.js';
import { PROMPT_DRIVERS } from './args.js';
import { formatCredentials } from './commands/export.js';
import { flushStdout, stdoutIsTerminal, writeStdout } from './output.js';

type Env = Record<string, string | undefined>;

/** A warm read answers in ~10 ms; one that takes longer is left to the whole CLI and its deadline. */
const READ_DEADLINE_MS = 500;
/**
 * Words that are not a profile in `mfa-exec WORD ...`: the commands of cli/main.ts (a unit test
 * keeps the two lists equal) and `help`. Not read from the specs, whose texts would triple this bundle.
 */
export const COMMAND_WORDS = new Set([
  ...['exec', 'add', 'import', 'list', 'export', 'remove', 'clear', 'setup', 'doctor', 'rotate', 'login', 'totp'],
  ...['completion', 'help'],
]);

/**
 * Reads one item of the store: its value, null when there is none, undefined when this read
 * cannot tell (no Secret Service, a locked item, no answer in time).
 */
export type ReadItem = (item: string) => Promise<string | null | undefined>;

/**
 * The store's read for a warm run. The keychain: the Secret Service over D-Bus
 * (adapters/secret-service.ts), within READ_DEADLINE_MS. The file store: its runtime-key tier
 * (adapters/file-store.ts); where that tier is not usable the read would need the vault's
 * passphrase, which is refused here (the whole CLI asks for it).
 */
function storeRead(env: Env): ReadItem {
  if (env.MFA_EXEC_BACKEND === 'file') {
    const store = createFileStore({
      dir: fileStoreDir(env, env.HOME || homedir()),
      getPassphrase: () => Promise.reject(new Error('the passphrase is asked by the whole CLI')),
      runtimeDir: env.XDG_RUNTIME_DIR || undefined,
    });
    return (item) => store.get(item);
  }
  return (item) => readSecretDirect(KEYCHAIN_SERVICE, item, env, AbortSignal.timeout(READ_DEADLINE_MS));
}

/** Run `argv` on the warm path: the exit status, or undefined when the whole CLI must run it. */
export async function runWarm(argv: string[], env: Env, read: ReadItem = storeRead(env)): Promise<number | undefined> {
  try {
    if (!plainEnv(env)) return undefined;
    const [first, profile, ...after] = argv;
    if (first === 'export') {
      const json = after.length === 2 ? after[0] === '--format' && after[1] === 'json' : after[0] === '--format=json';
      return profile && !profile.startsWith('-') && json && after.length <= 2
        ? await warmExport(profile, env, read)
        : undefined;
    }
    // `exec PROFILE [--] CMD...` or `PROFILE [--] CMD...`: no flag anywhere before the command.
    const shorthand = first !== 'exec';
    const words = shorthand ? argv : [profile!, ...after];
    const [name, ...tail] = words;
    if (name === undefined || name.startsWith('-') || (shorthand && COMMAND_WORDS.has(name))) return undefined;
    const [command, ...args] = tail[0] === '--' ? tail.slice(1) : tail;
    // No command: the subshell announces itself. A flag: the whole CLI parses it.
    if (command === undefined || (tail[0] !== '--' && command.startsWith('-'))) return undefined;
    const found = await cachedCredentials(name, env, shorthand, read);
    if (!found) return undefined;
    const childEnv = buildChildEnv({
      parent: env,
      credentials: found.credentials,
      region: found.region,
      profile: found.profile.name,
    });
    return await runChild({ command, args, env: childEnv });
  } catch {
    return undefined;
  }
}

/**
 * An environment the warm path serves as the whole CLI would: not nested (cli/commands/exec.ts
 * refuses that), a store MFA_EXEC_BACKEND names (or none: the keychain), and a valid
 * MFA_EXEC_PROMPT if any (the parser checks both).
 */
function plainEnv(env: Env): boolean {
  const { MFA_EXEC_BACKEND: backend, MFA_EXEC_PROMPT: prompt } = env;
  return (
    !env.MFA_EXEC_PROFILE &&
    (!backend || backend === 'keychain' || backend === 'file') &&
    (!prompt || (PROMPT_DRIVERS as readonly string[]).includes(prompt))
  );
}

/** `export PROFILE --format json`, to a pipe or file (on a terminal the whole CLI also warns). */
async function warmExport(name: string, env: Env, read: ReadItem): Promise<number | undefined> {
  if (stdoutIsTerminal()) return undefined;
  const found = await cachedCredentials(name, env, false, read);
  if (!found) return undefined;
  writeStdout(formatCredentials(found.credentials, 'json', found.profile.name, found.region));
  await flushStdout();
  return 0;
}

/**
 * The profile and its plan from the AWS files; undefined for `mfa-exec WORD` where WORD is no
 * profile (maybe a mistyped command: the whole CLI says so). A large config is read through its
 * section index, only the sections of this chain; what a whole read learned is kept only when
 * every lookup succeeded.
 */
function planOf(name: string, env: Env, shorthand: boolean) {
  const home = env.HOME || homedir();
  const { files, done } = loadAwsFilesIndexed(env, home, configIndexDir(env, home));
  let succeeded = false;
  try {
    const planned =
      shorthand && !Object.hasOwn(files.profiles, name)
        ? undefined
        : { profile: getProfile(files, name), plan: planCredentials(resolveChain(files, name), {}) };
    succeeded = true;
    return planned;
  } finally {
    done(succeeded);
  }
}

/** The profile's cached, fresh credentials, read with `read`; else undefined. */
async function cachedCredentials(name: string, env: Env, shorthand: boolean, read: ReadItem) {
  const planned = planOf(name, env, shorthand);
  if (!planned) return undefined;
  const { profile, plan } = planned;
  const store: Pick<SecretStore, 'get'> = {
    get: async (item) => {
      const value = await read(item);
      if (value === undefined) throw new Error('this read is left to the whole CLI');
      return value;
    },
  };
  const clock = { now: () => new Date(), sleep: () => Promise.resolve() };
  const credentials = await readCachedResult(plan, { store: store as SecretStore, clock });
  if (!credentials) return undefined;
  return { credentials, profile, region: resolveRegion({ env, profile }) };
}

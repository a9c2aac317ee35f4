// The one composition point: builds the adapters (lazily, so each command pays only
// for what it uses) and hands them to the commands as a Context.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { editAwsFile, loadAwsFiles, type ParsedAwsFiles } from '../adapters/aws-files.js';
import { defaultShell, runChild } from '../adapters/child.js';
import { startEcsServer } from '../adapters/ecs-server.js';
import * as federation from '../adapters/federation.js';
import { consecutiveProblem, consecutiveTotpCodes, createIamClient, serverDate } from '../adapters/iam.js';
import { hasTerminal, pickProfile } from '../adapters/picker.js';
import { showEnrollment } from '../adapters/qr.js';
import { runCredentialProcess } from '../adapters/credential-process.js';
import { readCredentialSource, readWebIdentityToken } from '../adapters/credential-source.js';
import { fileStoreDir } from '../adapters/file-store.js';
import { createKeychainStore } from '../adapters/keychain.js';
import { createFileLock } from '../adapters/lock.js';
import { autoDriver } from '../adapters/mfa/auto.js';
import { dialogSource } from '../adapters/mfa/dialog.js';
import { processSource, staticSource, terminalSource } from '../adapters/mfa/sources.js';
import { normalizeTotpSeed, storedSeedFirst, totpSource } from '../adapters/mfa/totp.js';
import { ykmanSource } from '../adapters/mfa/ykman.js';
import type { SsoPortSettings } from '../adapters/sso.js';
import { createStsClient } from '../adapters/sts.js';
import { openTerminal } from '../adapters/tty.js';
import { createUsedCodes } from '../adapters/used-codes.js';
import { resolveEndpoint, resolveRegion, type Chain, type ProfileConfig } from '../core/config.js';
import type { SsoPort } from '../core/providers/sso.js';
import type { CredentialDeps } from '../core/providers/types.js';
import { escapeControls } from '../core/display.js';
import { MfaExecError } from '../core/errors.js';
import type { PromptDriver } from './args.js';
import { writeStdout } from './output.js';
import type { SsoToken } from '../core/store-items.js';
import type { Clock, Logger, MfaCodeSource, SecretStore } from '../core/types.js';

export type { Terminal } from '../adapters/tty.js';
export type { PickerChoice } from '../adapters/picker.js';

/**
 * Every other adapter a command uses, reached only through the context: commands import core
 * and this module, never src/adapters (docs/ARCHITECTURE.md, "Layers").
 */
export const io = {
  openTerminal,
  editAwsFile,
  runChild,
  defaultShell,
  startEcsServer,
  createIamClient,
  serverDate,
  consecutiveTotpCodes,
  showEnrollment,
  normalizeTotpSeed,
  federation,
  consecutiveProblem,
  hasTerminal,
  pickProfile,
};

/** What every command gets: the environment and the adapters, built on first use. */
export interface Context {
  env: Record<string, string | undefined>;
  home: string;
  debug: boolean;
  backend: 'keychain' | 'file';
  logger: Logger;
  clock: Clock;
  files(): ParsedAwsFiles;
  store(): SecretStore;
  stdout(text: string): void;
  /** The adapters of terminal, files, child processes, IAM, federation (see `io`). */
  io: typeof io;
  /** What the machine itself holds: web identity token files and credential_source credentials. */
  machine: Pick<CredentialDeps, 'webIdentityToken' | 'credentialSource'>;
  /** The AWS CLI's SSO token cache file for `cacheId` (shown as ~/…) and the token in it, if any. */
  ssoCliToken(cacheId: string): Promise<{ file: string; token: SsoToken | undefined }>;
  /** The deps of the credential flow for `chain` (STS endpoint and region from its profile). */
  credentialDeps(
    chain: Chain,
    profile: ProfileConfig,
    opts: { region?: string; mfaToken?: string; prompt?: PromptDriver },
  ): CredentialDeps;
}

/** Build the context for one invocation. */
export function createContext(opts: {
  env: Record<string, string | undefined>;
  debug: boolean;
  /** From --backend or MFA_EXEC_BACKEND, already checked by the parser. */
  backend: 'keychain' | 'file';
}): Context {
  const { env, debug } = opts;
  const home = env.HOME || homedir();
  const logger: Logger = {
    debug: (m) => {
      if (debug) process.stderr.write(`mfa-exec: debug: ${escapeControls(m)}\n`);
    },
    info: (message) => {
      const m = escapeControls(message);
      const tty = openTerminal();
      if (tty) {
        tty.write(`mfa-exec: ${m}\n`);
        tty.close();
      } else {
        process.stderr.write(`mfa-exec: ${m}\n`);
      }
    },
  };
  const clock: Clock = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  let files: ParsedAwsFiles | undefined;
  let store: SecretStore | undefined;
  const backend = opts.backend;
  const makeStore = (): SecretStore => {
    const dir = fileStoreDir(env, home);
    logger.debug(`store: ${backend === 'file' ? `encrypted file in ${dir}` : 'OS keychain'}`);
    return backend === 'file'
      ? lazyStore(
          import('../adapters/file-store.js').then((m) =>
            m.createFileStore({
              dir,
              getPassphrase: (creating) => filePassphrase(env, dir, creating, logger, m.MIN_PASSPHRASE_LENGTH),
              runtimeDir: env.XDG_RUNTIME_DIR || undefined,
              debug: logger.debug,
            }),
          ),
        )
      : createKeychainStore();
  };
  const getStore = (): SecretStore => (store ??= makeStore());
  const machine: Context['machine'] = {
    webIdentityToken: readWebIdentityToken,
    credentialSource: (source, p) => readCredentialSource(source, p, env),
  };
  return {
    env,
    home,
    debug,
    backend,
    logger,
    clock,
    files: () => (files ??= loadAwsFiles(env, home)),
    store: getStore,
    stdout: writeStdout,
    io,
    machine,
    async ssoCliToken(cacheId) {
      const m = await import('../adapters/sso.js');
      const path = m.ssoCacheFile(home, cacheId);
      const file = path.startsWith(join(home, '/')) ? `~/${path.slice(join(home, '/').length)}` : path;
      const token = await m
        .createSsoPort({ home, env, logger, portalEndpoint: undefined, oidcEndpoint: undefined })
        .readCliToken(cacheId);
      return { file, token };
    },
    credentialDeps(chain, profile, o) {
      const files = this.files();
      const region = resolveRegion({ flag: o.region, env, profile });
      const endpoint = resolveEndpoint('sts', { env, profile, files });
      logger.debug(`STS: ${endpoint ?? 'AWS default endpoint'}${region ? `, region ${region}` : ''}`);
      // --prompt / MFA_EXEC_PROMPT were checked by the parser, before anything ran.
      const chosen = o.prompt;
      const lockDir = join(
        env.XDG_RUNTIME_DIR || join(env.XDG_CACHE_HOME || join(home, '.cache')),
        'mfa-exec',
        'locks',
      );
      return {
        store: getStore(),
        sts: createStsClient({ region, endpoint, chain }),
        clock,
        lock: createFileLock(lockDir, logger),
        logger,
        usedCodes: createUsedCodes(getStore(), clock),
        mfaSource: () => chooseMfaSource(chain, o.mfaToken, chosen, env, getStore),
        credentialProcess: (command, p) => runCredentialProcess(command, p, env),
        ...machine,
        sso: lazySsoPort({
          home,
          env,
          logger,
          portalEndpoint: resolveEndpoint('sso', { env, profile, files }),
          oidcEndpoint: resolveEndpoint('sso_oidc', { env, profile, files }),
        }),
      };
    },
  };
}

/**
 * The MFA code source: --mfa-token, else --prompt / MFA_EXEC_PROMPT, else a stored TOTP seed of
 * the device, else automatic (mfa_process, terminal, GUI prompt).
 */
function chooseMfaSource(
  chain: Chain,
  mfaToken: string | undefined,
  chosen: PromptDriver | undefined,
  env: Record<string, string | undefined>,
  store: () => SecretStore,
): MfaCodeSource {
  if (mfaToken !== undefined) return staticSource(mfaToken);
  if (chosen === undefined) {
    let auto: MfaCodeSource | undefined;
    return storedSeedFirst(
      store,
      () => (auto ??= driverSource(chain, autoDriver({ mfaProcess: chain.mfaProcess, env }), env, store)),
    );
  }
  return driverSource(chain, chosen, env, store);
}

/** The source of one prompt driver. */
function driverSource(
  chain: Chain,
  driver: PromptDriver | ReturnType<typeof autoDriver>,
  env: Record<string, string | undefined>,
  store: () => SecretStore,
): MfaCodeSource {
  switch (driver) {
    case 'terminal':
      return terminalSource(env, chain.profile);
    case 'process':
      if (!chain.mfaProcess) {
        throw new MfaExecError('config', `--prompt process needs mfa_process in profile "${chain.profile}"`, {
          hint: 'add mfa_process = COMMAND to the profile',
        });
      }
      return processSource(chain.mfaProcess, env);
    case 'totp':
      return totpSource(store);
    case 'ykman':
      return ykmanSource(env);
    case 'osascript':
    case 'zenity':
    case 'kdialog':
      return dialogSource(driver, env);
  }
}

/** The SSO adapter, its module (and the SDK clients it imports) loaded on the first SSO call only. */
function lazySsoPort(settings: SsoPortSettings): SsoPort {
  let port: Promise<SsoPort> | undefined;
  const load = () => (port ??= import('../adapters/sso.js').then((m) => m.createSsoPort(settings)));
  return {
    readCliToken: async (id) => (await load()).readCliToken(id),
    refreshToken: async (token, base) => (await load()).refreshToken(token, base),
    signIn: async (base) => (await load()).signIn(base),
    getRoleCredentials: async (token, base) => (await load()).getRoleCredentials(token, base),
  };
}

/** A store whose module is still loading: each call waits for it (keeps node:fs/promises off the keychain path). */
function lazyStore(loading: Promise<SecretStore>): SecretStore {
  return {
    get: async (name) => (await loading).get(name),
    set: async (name, value) => (await loading).set(name, value),
    delete: async (name) => (await loading).delete(name),
    list: async () => (await loading).list(),
  };
}

/**
 * The file store's passphrase: MFA_EXEC_FILE_PASSPHRASE, else asked on the terminal. A new
 * store (`creating`) is announced, asked twice on a terminal, and needs `min` characters.
 */
async function filePassphrase(
  env: Record<string, string | undefined>,
  dir: string,
  creating: boolean,
  logger: Logger,
  min: number,
): Promise<string> {
  const tooShort = (source: string) =>
    new MfaExecError('store', `the passphrase of a new file store needs ${min} characters or more`, {
      hint: `${source}; nothing was stored`,
    });
  const given = env.MFA_EXEC_FILE_PASSPHRASE;
  if (given) {
    if (creating) {
      if (given.length < min) throw tooShort('set a longer MFA_EXEC_FILE_PASSPHRASE');
      logger.info(`creating a new file store in ${dir} (passphrase from MFA_EXEC_FILE_PASSPHRASE)`);
    }
    return given;
  }
  const tty = openTerminal();
  if (!tty) {
    throw new MfaExecError(
      'store',
      `the file store in ${dir} needs its passphrase, and there is no terminal to ask on`,
      {
        hint: 'set MFA_EXEC_FILE_PASSPHRASE',
      },
    );
  }
  try {
    if (!creating) {
      const pass = await tty.readLine(`Passphrase for the mfa-exec file store (${dir}): `, { hidden: true });
      if (!pass)
        throw new MfaExecError('store', 'an empty passphrase is not allowed for the file store', {
          hint: 'type a passphrase',
        });
      return pass;
    }
    tty.write(
      `mfa-exec: creating a new file store in ${dir}. Choose its passphrase (${min} characters or more); ` +
        'it cannot be recovered.\n',
    );
    for (let attempt = 1; ; attempt++) {
      const pass = await tty.readLine('New passphrase for the file store: ', { hidden: true });
      let problem: string;
      if (pass.length < min) problem = `too short: ${min} characters or more`;
      else if ((await tty.readLine('Type it again: ', { hidden: true })) !== pass) problem = 'the two entries differ';
      else return pass;
      if (attempt === 3) {
        throw new MfaExecError('store', `no new file store passphrase (${problem})`, {
          hint: 'run the command again; nothing was stored',
        });
      }
      tty.write(`mfa-exec: ${problem}; try again.\n`);
    }
  } finally {
    tty.close();
  }
}

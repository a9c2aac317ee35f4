// MFA code sources: the terminal (/dev/tty), mfa_process, and --mfa-token.

import { MfaExecError } from '../../core/errors.js';
import type { MfaCodeSource } from '../../core/types.js';
import { killHelper, spawnHelper } from '../helpers.js';
import { inTerminalForeground, openTerminal } from '../tty.js';
import { dialogSource, guiDriver } from './dialog.js';

/**
 * Asks on /dev/tty (never stdout), so it works under credential_process and in pipes. When
 * another process group has the terminal (the interactive subshell of `exec --ecs-server`),
 * it asks in a GUI dialog where one is available, else fails with 'mfa' saying so: a
 * background process cannot read the terminal.
 */
export function terminalSource(env: Record<string, string | undefined> = {}, profile = 'PROFILE'): MfaCodeSource {
  return {
    name: 'the terminal',
    interactive: true,
    maxTries: 3,
    async getCode(mfaSerial, attempt) {
      if (inTerminalForeground() === false) {
        const gui = guiDriver(env);
        if (gui) return dialogSource(gui, env).getCode(mfaSerial, attempt);
        throw notInForeground(mfaSerial, profile);
      }
      const tty = openTerminal();
      if (!tty) throw noCodeSource(mfaSerial);
      try {
        return await tty.readLine(`Enter MFA code for ${mfaSerial}: `, { hidden: true });
      } catch (e) {
        // Moved to the background between the check and the read (setRawMode: EIO).
        if ((e as NodeJS.ErrnoException).code === 'EIO') throw notInForeground(mfaSerial, profile);
        throw e;
      } finally {
        tty.close();
      }
    },
  };
}

/** The error for "a code is needed, but another process group (the subshell) has the terminal". */
function notInForeground(mfaSerial: string, profile: string): MfaExecError {
  return new MfaExecError(
    'mfa',
    `a new MFA code for ${mfaSerial} is needed, but another process group (a subshell, another job) has the terminal, so mfa-exec cannot ask there`,
    {
      hint: `run any mfa-exec for this profile where it can ask: in another terminal, or here with \`env -u MFA_EXEC_PROFILE mfa-exec export ${profile} > /dev/null\`; the served credentials follow the shared cache it fills`,
    },
  );
}

/** The error for "a code is needed and nothing can give one". */
export function noCodeSource(mfaSerial: string): MfaExecError {
  return new MfaExecError('mfa', `an MFA code for ${mfaSerial} is needed, but there is no terminal to ask on`, {
    hint: 'give it with --mfa-token CODE, set mfa_process in the profile, store the TOTP seed of the device with `mfa-exec totp add`, or choose --prompt ykman|zenity|kdialog|osascript',
  });
}

/** The one code given with --mfa-token. */
export function staticSource(code: string): MfaCodeSource {
  return {
    name: '--mfa-token',
    interactive: false,
    maxTries: 1,
    getCode: async () => code,
  };
}

/** Runs the profile's mfa_process (through the shell, as the AWS CLI does); its stdout is the code. */
export function processSource(command: string, env: Record<string, string | undefined>): MfaCodeSource {
  return {
    name: 'mfa_process',
    interactive: false,
    maxTries: 2,
    getCode: (mfaSerial) =>
      new Promise((resolve, reject) => {
        // MFA_EXEC_MFA_SERIAL is set for it on purpose; every inherited MFA_EXEC_* is removed.
        const child = spawnHelper('/bin/sh', ['-c', command], {
          stdio: ['ignore', 'pipe', 'inherit'],
          env,
          setEnv: { MFA_EXEC_MFA_SERIAL: mfaSerial },
        });
        let out = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
        const timer = setTimeout(() => killHelper(child), 60_000);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(
            new MfaExecError('mfa', 'cannot run mfa_process', {
              hint: 'check the mfa_process command in the profile',
              cause: e,
            }),
          );
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (code === 0) return resolve(out.trim());
          reject(
            new MfaExecError(
              'mfa',
              `mfa_process ${signal ? `was killed by ${signal}` : `exited with status ${code}`}`,
              {
                hint: 'run the mfa_process command by hand to see what is wrong',
              },
            ),
          );
        });
      }),
  };
}

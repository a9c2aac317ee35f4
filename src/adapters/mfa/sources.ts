// MFA code sources: the terminal (/dev/tty), mfa_process, and --mfa-token.

import { spawn } from 'node:child_process';
import { MfaExecError } from '../../core/errors.js';
import type { MfaCodeSource } from '../../core/types.js';
import { openTerminal } from '../tty.js';

/** Asks on /dev/tty (never stdout), so it works under credential_process and in pipes. */
export function terminalSource(): MfaCodeSource {
  return {
    name: 'the terminal',
    interactive: true,
    maxTries: 3,
    async getCode(mfaSerial) {
      const tty = openTerminal();
      if (!tty) throw noCodeSource(mfaSerial);
      try {
        return await tty.readLine(`Enter MFA code for ${mfaSerial}: `, { hidden: true });
      } finally {
        tty.close();
      }
    },
  };
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
        const child = spawn('/bin/sh', ['-c', command], {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...env, MFA_EXEC_MFA_SERIAL: mfaSerial },
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
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

// YubiKey OATH codes through ykman (YubiKey Manager 4+). As aws-vault does, the OATH
// account is named after the mfa_serial unless YKMAN_OATH_CREDENTIAL_NAME names another.

import { MfaExecError } from '../../core/errors.js';
import type { MfaCodeSource } from '../../core/types.js';
import { lastLine, runProgram } from './program.js';

const YKMAN_TIMEOUT_MS = 10_000;

/** The OATH account ykman is asked for: YKMAN_OATH_CREDENTIAL_NAME, else the mfa_serial itself. */
export function ykmanAccount(mfaSerial: string, env: Record<string, string | undefined>): string {
  return env.YKMAN_OATH_CREDENTIAL_NAME || mfaSerial;
}

/** Runs `ykman oath accounts code --single ACCOUNT` (10 s timeout, long enough to touch the key); its last word is the code. */
export function ykmanSource(env: Record<string, string | undefined>, opts: { timeoutMs?: number } = {}): MfaCodeSource {
  const timeoutMs = opts.timeoutMs ?? YKMAN_TIMEOUT_MS;
  return {
    name: 'ykman',
    interactive: false,
    maxTries: 2,
    async getCode(mfaSerial) {
      const account = ykmanAccount(mfaSerial, env);
      const r = await runProgram('ykman', ['oath', 'accounts', 'code', '--single', account], {
        env,
        timeoutMs,
        installHint: 'install the yubikey-manager package, or choose another --prompt',
      });
      if (r.timedOut) {
        throw new MfaExecError(
          'mfa',
          `ykman gave no code for OATH account "${account}" within ${Math.round(timeoutMs / 1000)} s`,
          {
            hint: 'plug in the YubiKey and touch it when it blinks',
          },
        );
      }
      const code = r.stdout.trim().split(/\s+/).pop();
      if (r.status !== 0 || !code) {
        const why = lastLine(r.stderr);
        throw new MfaExecError('mfa', `ykman gave no code for OATH account "${account}"${why ? `: ${why}` : ''}`, {
          hint: 'see `ykman oath accounts list`; name the account after the mfa_serial, or set YKMAN_OATH_CREDENTIAL_NAME',
        });
      }
      return code;
    },
  };
}

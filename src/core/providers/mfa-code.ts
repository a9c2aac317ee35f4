// Running an STS call with an MFA code: the retry rules shared by sessionToken and assumeRole.

import { MfaExecError, isMfaCodeRejected } from '../errors.js';
import type { CredentialDeps } from './types.js';

/** TOTP codes change every 30 s. */
const TOTP_STEP_MS = 30_000;

/**
 * Run `call` with an MFA code for `serial` (or none when there is no device). A code AWS
 * already accepted is never sent again; a rejected code is asked again three times at a
 * terminal, and a non-interactive source is run once more after the 30 s window turns.
 */
export async function withMfaCode<T>(
  serial: string | undefined,
  deps: Pick<CredentialDeps, 'mfaSource' | 'usedCodes' | 'clock' | 'logger'>,
  call: (code: string | undefined) => Promise<T>,
): Promise<T> {
  if (!serial) return call(undefined);
  const source = deps.mfaSource();
  for (let attempt = 1; ; attempt++) {
    // Authenticator apps show "123 456": spaces are not part of the code.
    const code = (await source.getCode(serial, attempt)).replace(/\s/g, '');
    const retry = async (why: string): Promise<boolean> => {
      // Read after getCode: a source may settle what it is on its first code (a stored TOTP seed or not).
      if (attempt >= source.maxTries) return false;
      if (source.interactive) {
        deps.logger.info(`${why}; try again`);
      } else {
        const wait = TOTP_STEP_MS - (deps.clock.now().getTime() % TOTP_STEP_MS) + 1000;
        deps.logger.info(`${why}; waiting ${Math.ceil(wait / 1000)}s for the next code from ${source.name}`);
        await deps.clock.sleep(wait);
      }
      return true;
    };
    if (!/^\d{6}$/.test(code)) {
      // A person mistyped: ask again. A program printed something else: waiting will not help.
      if (source.interactive && (await retry('an MFA code is 6 digits'))) continue;
      throw new MfaExecError('mfa', `the MFA code from ${source.name} is not 6 digits`, {
        hint: 'give the current 6-digit code of the device ' + serial,
      });
    }
    if (await deps.usedCodes.wasUsed(serial, code)) {
      const next = Math.ceil((TOTP_STEP_MS - (deps.clock.now().getTime() % TOTP_STEP_MS)) / 1000);
      const why = 'that MFA code was already used once and AWS would reject it';
      // A person is told when the next code appears; a program source is waited for.
      if (source.interactive && attempt < source.maxTries) {
        deps.logger.info(`${why}; type the next code, which the device shows in ${next} s`);
        continue;
      }
      if (await retry(why)) continue;
      throw new MfaExecError(
        'mfa',
        `the MFA code for ${serial} was already used once, and AWS rejects a code used twice`,
        {
          hint: `run again with the next code, which the device shows in ${next} s`,
        },
      );
    }
    try {
      const result = await call(code);
      await deps.usedCodes.markUsed(serial, code);
      return result;
    } catch (e) {
      if (!isMfaCodeRejected(e)) throw e;
      if (await retry('AWS rejected the MFA code')) continue;
      throw new MfaExecError('mfa', `AWS rejected the MFA code for ${serial}`, {
        hint: 'check that the device matches mfa_serial and that the clock is right; each code works once',
        cause: e,
      });
    }
  }
}

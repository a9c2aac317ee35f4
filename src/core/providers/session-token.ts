// sts:GetSessionToken with the long-lived key under it and the MFA code: the MFA session
// that one code buys for every role of the same key and device.

import { showKey } from '../redact.js';
import { withMfaCode } from './mfa-code.js';
import type { CredentialDeps, CredentialProvider } from './types.js';

/** The MFA session of `inner`'s long-lived key, `seconds` long, with the code of `mfaSerial` when set. */
export function sessionToken(
  inner: CredentialProvider,
  opts: { mfaSerial: string | undefined; seconds: number },
  deps: Pick<CredentialDeps, 'sts' | 'mfaSource' | 'usedCodes' | 'clock' | 'logger'>,
): CredentialProvider {
  return async () => {
    const key = await inner();
    const serial = opts.mfaSerial;
    deps.logger.debug(
      `GetSessionToken for key ${showKey(key.accessKeyId)}${serial ? ` with MFA device ${serial}` : ' without MFA'}, ${opts.seconds}s`,
    );
    return withMfaCode(serial, deps, (tokenCode) =>
      deps.sts.getSessionToken({ credentials: key, durationSeconds: opts.seconds, serialNumber: serial, tokenCode }),
    );
  };
}

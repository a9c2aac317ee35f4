// Base: what a profile's credential_process prints (run by the adapter), used as it is,
// as the AWS CLI and SDKs use it.

import type { CredentialDeps, CredentialProvider } from './types.js';

/** The credentials `command` prints for `profile`. */
export function credentialProcess(
  command: string,
  profile: string,
  deps: Pick<CredentialDeps, 'credentialProcess'>,
): CredentialProvider {
  return () => deps.credentialProcess(command, profile);
}

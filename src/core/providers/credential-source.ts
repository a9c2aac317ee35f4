// Base: credential_source = Environment | Ec2InstanceMetadata | EcsContainer, the
// credentials of the machine mfa-exec runs on (read by the adapter), as botocore reads them.

import type { CredentialSourceName } from '../config.js';
import type { CredentialDeps, CredentialProvider } from './types.js';

/** The credentials `source` gives for `profile`'s role. */
export function credentialSource(
  source: CredentialSourceName,
  profile: string,
  deps: Pick<CredentialDeps, 'credentialSource' | 'logger'>,
): CredentialProvider {
  return () => {
    deps.logger.debug(`credential_source ${source} for profile "${profile}"`);
    return deps.credentialSource(source, profile);
  };
}

// Base: the long-lived access key kept in the store for a profile (`mfa-exec add`).

import { MfaExecError } from '../errors.js';
import { decodeKey, keyItem } from '../store-items.js';
import type { CredentialDeps, CredentialProvider } from './types.js';

/** The key stored for `profile`; none stored is a 'no-stored-key' error naming `add` and `import`. */
export function storedKey(profile: string, deps: Pick<CredentialDeps, 'store'>): CredentialProvider {
  return async () => {
    const key = decodeKey(await deps.store.get(keyItem(profile)));
    if (!key) {
      throw new MfaExecError('no-stored-key', `no key stored for profile "${profile}"`, {
        hint: `run \`mfa-exec add ${profile}\`, or \`mfa-exec import ${profile} --scrub\` to move it from the credentials file`,
      });
    }
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  };
}

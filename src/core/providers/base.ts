// The flat dispatcher: the provider for each kind of chain base. A new base kind is one
// file in this folder plus one case here (docs/ARCHITECTURE.md, "Adding a profile kind").

import type { ChainBase } from '../config.js';
import { credentialProcess } from './credential-process.js';
import { credentialSource } from './credential-source.js';
import { sso } from './sso.js';
import { storedKey } from './stored-key.js';
import type { CredentialDeps, CredentialProvider } from './types.js';
import { webIdentity } from './web-identity.js';

/** The provider of `base`'s credentials. */
export function baseProvider(base: ChainBase, deps: CredentialDeps): CredentialProvider {
  switch (base.kind) {
    case 'key':
      return storedKey(base.profile, deps);
    case 'credential-process':
      return credentialProcess(base.command, base.profile, deps);
    case 'web-identity':
      return webIdentity({ profile: base.profile, ...base.webIdentity }, deps);
    case 'credential-source':
      return credentialSource(base.source, base.profile, deps);
    case 'sso':
      return sso({ profile: base.profile, ...base.sso }, deps);
  }
}

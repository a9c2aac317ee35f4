// The flat dispatcher: the provider for each kind of chain base. A new base kind is one
// file in this folder plus one case here (docs/ARCHITECTURE.md, "Adding a profile kind").

import type { ChainBase } from '../config.js';
import { MfaExecError } from '../errors.js';
import { credentialProcess } from './credential-process.js';
import { credentialSource } from './credential-source.js';
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
      // The SSO provider (core/providers/sso.ts) plugs in here.
      return () =>
        Promise.reject(
          new MfaExecError(
            'config',
            `profile "${base.profile}" is an IAM Identity Center (SSO) profile, which this build cannot use yet`,
            {
              hint: `run \`aws sso login --profile ${base.profile}\` and use the AWS CLI for it`,
            },
          ),
        );
  }
}

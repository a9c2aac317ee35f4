// The shape every step of the credential tree shares, and the I/O the steps are given.
// The tree and how it is composed: docs/ARCHITECTURE.md ("The provider tree").

import type { CredentialSourceName } from '../config.js';
import type { Clock, Credentials, Lock, Logger, MfaCodeSource, SecretStore, StsClient, UsedCodes } from '../types.js';

/** One step of the tree: credentials on demand. A factory wraps its inner provider. */
export type CredentialProvider = () => Promise<Credentials>;

/** Everything the providers need from the outside world (built in cli/context.ts), injected as one object. */
export interface CredentialDeps {
  store: SecretStore;
  sts: StsClient;
  clock: Clock;
  lock: Lock;
  logger: Logger;
  usedCodes: UsedCodes;
  /** The MFA code source, created only when a code is really needed. */
  mfaSource: () => MfaCodeSource;
  /** Runs a base profile's credential_process. */
  credentialProcess: (command: string, profile: string) => Promise<Credentials>;
  /** The contents of a web_identity_token_file. */
  webIdentityToken: (path: string, profile: string) => Promise<string>;
  /** Credentials from the environment, the EC2 instance metadata service or the ECS container endpoint. */
  credentialSource: (source: CredentialSourceName, profile: string) => Promise<Credentials>;
}

// Base: role_arn + web_identity_token_file → sts:AssumeRoleWithWebIdentity (an unsigned
// call: the token is the proof), as the AWS CLI and SDKs do it.

import type { CredentialDeps, CredentialProvider } from './types.js';

/** What a web identity profile says. */
export interface WebIdentitySettings {
  profile: string;
  roleArn: string;
  tokenFile: string;
  roleSessionName?: string;
  durationSeconds?: number;
}

/** The role's credentials for the token in the file, read anew on each call (it is rotated by its issuer). */
export function webIdentity(
  settings: WebIdentitySettings,
  deps: Pick<CredentialDeps, 'sts' | 'clock' | 'logger' | 'webIdentityToken'>,
): CredentialProvider {
  return async () => {
    const token = await deps.webIdentityToken(settings.tokenFile, settings.profile);
    const roleSessionName = settings.roleSessionName ?? `mfa-exec-${Math.floor(deps.clock.now().getTime() / 1000)}`;
    deps.logger.debug(`AssumeRoleWithWebIdentity ${settings.roleArn} as ${roleSessionName}`);
    return deps.sts.assumeRoleWithWebIdentity({
      roleArn: settings.roleArn,
      roleSessionName,
      webIdentityToken: token,
      durationSeconds: settings.durationSeconds,
    });
  };
}

// sts:AssumeRole with the credentials under it, carrying the MFA code where the tree says,
// and the role's source_identity and session tags.

import { withMfaCode } from './mfa-code.js';
import type { CredentialDeps, CredentialProvider } from './types.js';

/** One role as the profile defines it, and how long its credentials are asked for. */
export interface AssumeRoleSettings {
  roleArn: string;
  roleSessionName?: string;
  externalId?: string;
  durationSeconds: number;
  /** The device whose code goes with this call; unset when the credentials under it already carry MFA. */
  mfaSerial?: string;
  sourceIdentity?: string;
  tags?: { key: string; value: string }[];
  transitiveTagKeys?: string[];
}

/** The role's credentials, assumed with `inner`'s. */
export function assumeRole(
  inner: CredentialProvider,
  role: AssumeRoleSettings,
  deps: Pick<CredentialDeps, 'sts' | 'mfaSource' | 'usedCodes' | 'clock' | 'logger'>,
): CredentialProvider {
  return async () => {
    const credentials = await inner();
    const serial = role.mfaSerial;
    // As the AWS CLI: a session name from the time when the profile sets none.
    const roleSessionName = role.roleSessionName ?? `mfa-exec-${Math.floor(deps.clock.now().getTime() / 1000)}`;
    deps.logger.debug(
      `AssumeRole ${role.roleArn} as ${roleSessionName} for ${role.durationSeconds}s${serial ? ` with MFA device ${serial}` : ''}`,
    );
    return withMfaCode(serial, deps, (tokenCode) =>
      deps.sts.assumeRole({
        credentials,
        roleArn: role.roleArn,
        roleSessionName,
        durationSeconds: role.durationSeconds,
        externalId: role.externalId,
        ...(role.sourceIdentity !== undefined && { sourceIdentity: role.sourceIdentity }),
        ...(role.tags !== undefined && { tags: role.tags }),
        ...(role.transitiveTagKeys !== undefined && { transitiveTagKeys: role.transitiveTagKeys }),
        ...(serial !== undefined && { serialNumber: serial, tokenCode }),
      }),
    );
  };
}

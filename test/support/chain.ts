// A resolved profile chain (core's `Chain`) as the unit tests of planning and resolving build it.

import type { Chain, RoleStep } from '../../src/core/config.js';

// Accounts whose digits no MFA code of the tests (111111, 123456, …) can be found in.
/** The MFA device of every chain below, unless `extra` names another. */
export const MFA = 'arn:aws:iam::900000000001:mfa/alice';
/** A role ARN named `n`. */
export const ROLE = (n: string) => `arn:aws:iam::800000000002:role/${n}`;

/**
 * A profile `profile` assuming `roles` (roles[0] first) with the key of `base`; each role is
 * `ROLE(profile + index)` unless given, the earlier ones named `profile-hopN`.
 */
export function chain(profile: string, roles: Partial<RoleStep>[] = [{}], extra: Partial<Chain> = {}): Chain {
  return {
    profile,
    base: { profile: 'base', kind: 'key' },
    roles: roles.map((r, i) => ({
      profile: i === roles.length - 1 ? profile : `${profile}-hop${i}`,
      roleArn: ROLE(`${profile}${i}`),
      ...r,
    })),
    mfaSerial: MFA,
    ...extra,
  };
}

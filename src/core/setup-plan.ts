// What `mfa-exec setup` creates: names, ARNs, the exact policy documents, the profiles
// written to the config file, and the plan text shown by --dry-run. Pure.

import { MfaExecError } from './errors.js';

/** What the user asked setup to create. */
export interface SetupRequest {
  user: string;
  role: string;
  /** The role profile written to the config file (default: the role name). */
  profile: string;
  policyArns: string[];
  /** Region written to both profiles. */
  region: string;
  storeTotp: boolean;
}

/** The account the resources live in. */
export interface AccountRef {
  account: string;
  /** aws, aws-cn, aws-us-gov, … */
  partition: string;
}

/** Placeholder for the account in --dry-run output (no AWS call is made to learn it). */
export const ACCOUNT_PLACEHOLDER = 'ACCOUNT_ID';

const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/;
const PROFILE_NAME = /^[\w+.@-]+$/;

/** Reject names IAM or the config file would refuse, before anything is created ('usage'). */
export function validateSetupRequest(req: SetupRequest): void {
  for (const [flag, value] of [
    ['--user', req.user],
    ['--role', req.role],
  ] as const) {
    if (!IAM_NAME.test(value)) {
      throw new MfaExecError('usage', `${flag} "${value}" is not an IAM name`, {
        hint: 'use 1 to 64 letters, digits and + = , . @ _ -',
      });
    }
  }
  for (const [flag, value] of [
    ['--profile', req.profile],
    ['--user', req.user],
  ] as const) {
    if (!PROFILE_NAME.test(value)) {
      throw new MfaExecError('usage', `${flag} "${value}" cannot be a profile name in the config file`, {
        hint: 'use letters, digits and + . @ _ -',
      });
    }
  }
  if (req.profile === req.user) {
    throw new MfaExecError('usage', `--profile "${req.profile}" is the user's own profile name`, {
      hint: 'give the role profile another name with --profile',
    });
  }
  for (const arn of req.policyArns) {
    if (!POLICY_ARN.test(arn)) {
      throw new MfaExecError('usage', `--policy-arn "${arn}" is not a managed policy ARN`, {
        hint: 'e.g. arn:aws:iam::aws:policy/ReadOnlyAccess',
      });
    }
  }
}

/** The account and partition in a caller ARN (`arn:aws:iam::123456789012:user/admin`). */
export function accountOf(callerArn: string): AccountRef {
  const m = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):/.exec(callerArn);
  if (!m)
    throw new MfaExecError('sts', `GetCallerIdentity answered an unexpected ARN "${callerArn}"`, {
      hint: 'check the STS endpoint setting',
    });
  return { partition: m[1]!, account: m[2]! };
}

/** The role's ARN. */
export const roleArnOf = (ref: AccountRef, role: string): string =>
  `arn:${ref.partition}:iam::${ref.account}:role/${role}`;
/** The serial (ARN) of the virtual MFA device setup creates for `user` (named after the user). */
export const mfaSerialOf = (ref: AccountRef, user: string): string =>
  `arn:${ref.partition}:iam::${ref.account}:mfa/${user}`;
/** The name of the user's inline policy that allows the AssumeRole. */
export const userPolicyName = (role: string): string => `mfa-exec-assume-${role}`;

/** The role's trust policy: any principal of the account may assume it, with MFA only. */
export function trustPolicy(ref: AccountRef): string {
  return json({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:${ref.partition}:iam::${ref.account}:root` },
        Action: 'sts:AssumeRole',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ],
  });
}

/** The user's only permission: sts:AssumeRole on `roleArn`. */
export function assumeOnlyPolicy(roleArn: string): string {
  return json({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }] });
}

/** True when two policy documents (JSON text) say the same thing, key order and spacing aside. */
export function samePolicy(a: string, b: string): boolean {
  try {
    return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
  } catch {
    return false;
  }
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The otpauth:// URI an authenticator app reads (as a QR code or pasted) for the new device. */
export function otpauthUri(seedBase32: string, user: string, account: string): string {
  const issuer = 'Amazon Web Services';
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(`${user}@${account}`)}?secret=${seedBase32}&issuer=${encodeURIComponent(issuer)}`;
}

/** The two config sections setup writes: the user's profile (its key is in the store) and the role profile. */
export function profileSections(
  req: SetupRequest,
  roleArn: string,
  mfaSerial: string,
): { section: string; values: [string, string][] }[] {
  return [
    { section: `profile ${req.user}`, values: [['region', req.region]] },
    {
      section: `profile ${req.profile}`,
      values: [
        ['role_arn', roleArn],
        ['source_profile', req.user],
        ['mfa_serial', mfaSerial],
        ['region', req.region],
      ],
    },
  ];
}

/** The --dry-run text: every step in order with the exact policy documents, for `ref` (or ACCOUNT_ID). */
export function describeSetup(
  req: SetupRequest,
  opts: { ref?: AccountRef; storeName: string; configLabel: string },
): string {
  const ref = opts.ref ?? { account: ACCOUNT_PLACEHOLDER, partition: 'aws' };
  const roleArn = roleArnOf(ref, req.role);
  const serial = mfaSerialOf(ref, req.user);
  const sections = profileSections(req, roleArn, serial)
    .map(({ section, values }) => [`[${section}]`, ...values.map(([k, v]) => `${k} = ${v}`)].join('\n'))
    .join('\n\n');
  const lines = [
    'mfa-exec setup plan (dry run: no AWS call is made, nothing is created or written).',
    ...(opts.ref
      ? []
      : [`${ACCOUNT_PLACEHOLDER} stands for the account of the admin credentials (\`aws sts get-caller-identity\`).`]),
    '',
    `1. Create the role ${req.role} (${roleArn}) with this trust policy (principals of the account, MFA required):`,
    trustPolicy(ref),
    '',
    req.policyArns.length
      ? `2. Attach to the role: ${req.policyArns.join(', ')}`
      : '2. Attach no policy to the role (no --policy-arn): it can do nothing until you attach some.',
    '',
    `3. Create the user ${req.user} with the inline policy "${userPolicyName(req.role)}", its only permission:`,
    assumeOnlyPolicy(roleArn),
    '',
    req.storeTotp
      ? `4. Create the virtual MFA device ${serial}, store its TOTP seed in the ${opts.storeName} (the second factor then lives on this machine), and enable it with two consecutive codes computed from it.`
      : `4. Create the virtual MFA device ${serial}, show it on the terminal for an authenticator app (otpauth:// URI), ask for two consecutive codes and enable it.`,
    '',
    `5. Create an access key for ${req.user} and store it in the ${opts.storeName} as profile ${req.user} (never printed, never on disk in plain text).`,
    '',
    `6. Write these profiles to ${opts.configLabel}, keeping every other line:`,
    sections,
    '',
  ];
  return lines.join('\n');
}

function json(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

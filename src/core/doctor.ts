// The checks of `mfa-exec doctor`: facts gathered by the command in, one result with a
// fix per check out. Pure: reading the store, the files and AWS happens in the command.

import type { ChainBase } from './config.js';
import { describeExpiry } from './duration.js';
import { showKey } from './redact.js';
import type { Credentials } from './types.js';

/**
 * How one check went. `skipped` means the check could not run (IAM unreachable or the read
 * refused): like `fail`, it makes doctor exit 1, since nothing was proven. A check that does not
 * apply to a profile is not listed at all.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One line of the doctor's report. */
export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
  /** How to fix it (for warn and fail). */
  fix?: string;
}

/** A value read from AWS, or why it could not be: `denied` (not allowed to read) or another error. */
export type Probe<T> = { value: T } | { denied: true } | { error: string };

/** Keys older than this many days get a warning suggesting `rotate`. */
export const KEY_MAX_AGE_DAYS = 90;
/** Clock skew beyond this many seconds fails (TOTP windows are 30 s; SigV4 allows 5 min). */
export const MAX_SKEW_SECONDS = 30;

const DAY_MS = 86_400_000;

/** The config files and the profile's chain parse. */
export function checkConfig(
  profile: string,
  error: { message: string; hint?: string } | undefined,
  chainText: string | undefined,
): CheckResult {
  if (error)
    return { check: 'config', status: 'fail', message: error.message, ...(error.hint ? { fix: error.hint } : {}) };
  return { check: 'config', status: 'ok', message: `profile "${profile}" resolves: ${chainText ?? profile}` };
}

/** The base profile's key is in the store. */
export function checkStoredKey(base: string, stored: boolean, storeName: string): CheckResult {
  return stored
    ? { check: 'stored key', status: 'ok', message: `the key of "${base}" is in the ${storeName}` }
    : {
        check: 'stored key',
        status: 'fail',
        message: `no key is stored for "${base}"`,
        fix: `run \`mfa-exec add ${base}\`, or \`mfa-exec import ${base} --scrub\` to move it from the credentials file`,
      };
}

/** The key is not also left in plain text in the shared credentials file; `whole` when both its lines are there (import can take it). */
export function checkKeyNotInFile(base: string, inFile: boolean, credentialsLabel: string, whole = true): CheckResult {
  if (!inFile)
    return { check: 'credentials file', status: 'ok', message: `no key for "${base}" in ${credentialsLabel}` };
  return whole
    ? {
        check: 'credentials file',
        status: 'fail',
        message: `a key for "${base}" is still in ${credentialsLabel} in plain text`,
        fix: `run \`mfa-exec import ${base} --scrub\``,
      }
    : {
        check: 'credentials file',
        status: 'fail',
        message: `[${base}] in ${credentialsLabel} holds half a key (aws_access_key_id or aws_secret_access_key alone)`,
        fix: `delete that line of [${base}] by hand (import needs both lines), and store the whole key with \`mfa-exec add ${base}\``,
      };
}

/** The key's age: from IAM's CreateDate when readable, else from when it was stored. */
export function checkKeyAge(
  profile: string,
  addedAt: string | undefined,
  iamCreateDate: Date | undefined,
  now: Date,
): CheckResult {
  const added = addedAt === undefined ? undefined : new Date(addedAt);
  const since = iamCreateDate ?? (added && !Number.isNaN(added.getTime()) ? added : undefined);
  if (!since) return { check: 'key age', status: 'skipped', message: 'the key has no creation or storage date' };
  const days = Math.floor((now.getTime() - since.getTime()) / DAY_MS);
  const what = iamCreateDate ? 'created' : 'stored';
  if (!iamCreateDate && days <= KEY_MAX_AGE_DAYS) {
    // Time in the store is not the key's age: an old key may have been stored yesterday.
    return {
      check: 'key age',
      status: 'skipped',
      message: `IAM's creation date of the key could not be read (it was stored ${days} day${days === 1 ? '' : 's'} ago)`,
      fix: 'let doctor read IAM (iam:ListAccessKeys), e.g. with the cached role credentials of a profile that may',
    };
  }
  if (days > KEY_MAX_AGE_DAYS) {
    return {
      check: 'key age',
      status: 'warn',
      message: `the key was ${what} ${days} days ago (over ${KEY_MAX_AGE_DAYS})`,
      fix: `run \`mfa-exec rotate ${profile}\``,
    };
  }
  return { check: 'key age', status: 'ok', message: `the key was ${what} ${days} day${days === 1 ? '' : 's'} ago` };
}

/** The stored key works: GetCallerIdentity names the IAM user. */
export function checkCaller(base: string, probe: Probe<{ arn: string }>): CheckResult {
  if ('value' in probe) {
    const isUser = /:user\//.test(probe.value.arn);
    return isUser
      ? { check: 'key works', status: 'ok', message: `the key belongs to ${probe.value.arn}` }
      : {
          check: 'key works',
          status: 'warn',
          message: `the key belongs to ${probe.value.arn}, not an IAM user`,
          fix: `store an IAM user's access key with \`mfa-exec add ${base}\``,
        };
  }
  return {
    check: 'key works',
    status: 'fail',
    message: 'denied' in probe ? 'AWS refused the stored key' : probe.error,
    fix:
      'denied' in probe || /InvalidClientTokenId|SignatureDoesNotMatch/.test(probe.error)
        ? `store a working key with \`mfa-exec add ${base}\``
        : 'check the network and the STS endpoint setting',
  };
}

/** The local clock against the STS server's `Date` header. */
export function checkClock(now: Date, server: { date: Date } | { error: string }): CheckResult {
  if ('error' in server) return { check: 'clock', status: 'skipped', message: server.error };
  // The Date header has whole seconds: allow for that.
  const skew = Math.round((now.getTime() - server.date.getTime()) / 1000);
  const text = skew === 0 ? 'in step with STS' : `${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} STS`;
  if (Math.abs(skew) > MAX_SKEW_SECONDS) {
    return {
      check: 'clock',
      status: 'fail',
      message: `the local clock is ${text}: MFA codes and request signatures fail`,
      fix: 'synchronise the clock (e.g. enable NTP: `timedatectl set-ntp true`)',
    };
  }
  return { check: 'clock', status: 'ok', message: `the local clock is ${text}` };
}

/** The chain has an MFA device, and it is assigned to the key's user. */
export function checkMfaDevice(
  serial: string | undefined,
  hasRole: boolean,
  userName: string | undefined,
  devices: Probe<string[]> | undefined,
): CheckResult {
  if (serial === undefined) {
    return hasRole
      ? {
          check: 'mfa device',
          status: 'warn',
          message: 'the profile has no mfa_serial: a role that requires MFA cannot be assumed',
          fix: 'add mfa_serial = <the device ARN> to the profile',
        }
      : { check: 'mfa device', status: 'ok', message: 'the profile has no mfa_serial and no role: no device to check' };
  }
  if (userName === undefined || devices === undefined)
    return { check: 'mfa device', status: 'skipped', message: "the key's user is not known" };
  if ('denied' in devices)
    return { check: 'mfa device', status: 'skipped', message: "skipped: not allowed to read the user's MFA devices" };
  if ('error' in devices) return { check: 'mfa device', status: 'skipped', message: devices.error };
  if (devices.value.includes(serial))
    return { check: 'mfa device', status: 'ok', message: `${serial} is assigned to user ${userName}` };
  return {
    check: 'mfa device',
    status: 'fail',
    message: `${serial} is not an MFA device of user ${userName}${devices.value.length ? ` (its devices: ${devices.value.join(', ')})` : ' (it has none)'}`,
    fix:
      devices.value.length === 1
        ? `set mfa_serial = ${devices.value[0]}`
        : 'assign the device to the user, or fix mfa_serial in the profile',
  };
}

/** The role's trust policy requires MFA for every Allow of sts:AssumeRole. */
export function checkTrustPolicy(roleArn: string, trust: Probe<string | undefined>): CheckResult {
  const check = `role trust ${roleArn.slice(roleArn.indexOf(':role/') + 1)}`;
  const fix = 'doctor must read the role to prove this: give it credentials that may call iam:GetRole';
  if ('denied' in trust)
    return { check, status: 'skipped', message: 'could not run: not allowed to read the role', fix };
  if ('error' in trust) return { check, status: 'skipped', message: `could not run: ${trust.error}`, fix };
  if (trust.value === undefined)
    return {
      check,
      status: 'fail',
      message: `the role ${roleArn} does not exist`,
      fix: 'create it (`mfa-exec setup`) or fix role_arn',
    };
  const problem = trustProblem(trust.value);
  if (problem) {
    return {
      check,
      status: 'fail',
      message: problem,
      fix: `add "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}} to its Allow statement (\`aws iam update-assume-role-policy --role-name ${roleArn.split('/').pop()}\`)`,
    };
  }
  return { check, status: 'ok', message: 'the trust policy requires MFA' };
}

/** Why a trust policy does not require MFA, or undefined when it does. */
export function trustProblem(document: string): string | undefined {
  const statements = statementsOf(document);
  if (!statements) return 'the trust policy is not valid JSON';
  const allows = statements.filter(
    (s) => s.Effect === 'Allow' && actionsOf(s).some((a) => matchesAction(a, 'sts:assumerole')),
  );
  if (allows.length === 0) return 'the trust policy allows no sts:AssumeRole';
  const open = allows.filter((s) => !requiresMfa(s.Condition));
  return open.length
    ? 'the trust policy allows sts:AssumeRole without MFA (no Bool aws:MultiFactorAuthPresent = true condition)'
    : undefined;
}

/** What the key's user may do beyond sts:AssumeRole. */
export interface UserPermissions {
  /** Inline policies: name and document. */
  inline: { name: string; document: string }[];
  attached: string[];
  groups: string[];
}

/** The user can do nothing but sts:AssumeRole. */
export function checkUserPermissions(
  userName: string | undefined,
  perms: Probe<UserPermissions> | undefined,
): CheckResult {
  const check = 'user permissions';
  const fix = "doctor must read the user's policies to prove this (iam:ListUserPolicies and related reads)";
  if (userName === undefined || perms === undefined)
    return { check, status: 'skipped', message: "could not run: the key's user is not known", fix };
  if ('denied' in perms)
    return { check, status: 'skipped', message: "could not run: not allowed to read the user's policies", fix };
  if ('error' in perms) return { check, status: 'skipped', message: `could not run: ${perms.error}`, fix };
  const extra = perms.value.inline.filter((p) => !isAssumeOnly(p.document)).map((p) => p.name);
  const { attached, groups } = perms.value;
  if (extra.length || attached.length) {
    const what = [...extra.map((n) => `inline policy ${n}`), ...attached.map((a) => `attached policy ${a}`)].join(', ');
    const fixes = [
      ...extra.map((n) => `aws iam delete-user-policy --user-name ${userName} --policy-name ${n}`),
      ...attached.map((a) => `aws iam detach-user-policy --user-name ${userName} --policy-arn ${a}`),
    ];
    return {
      check,
      status: 'fail',
      message: `user ${userName} may do more than sts:AssumeRole: ${what}`,
      fix: `remove them: ${fixes.join('; ')}`,
    };
  }
  if (groups.length) {
    return {
      check,
      status: 'warn',
      message: `user ${userName} is in group${groups.length === 1 ? '' : 's'} ${groups.join(', ')}, whose policies apply too`,
      fix: `remove the user from them: ${groups.map((g) => `aws iam remove-user-from-group --user-name ${userName} --group-name ${g}`).join('; ')}`,
    };
  }
  return { check, status: 'ok', message: `user ${userName} may only call sts:AssumeRole` };
}

/** True when every Allow of `document` is sts:AssumeRole and nothing else. */
export function isAssumeOnly(document: string): boolean {
  const statements = statementsOf(document);
  if (!statements) return false;
  return statements.every(
    (s) =>
      s.Effect !== 'Allow' ||
      (s.NotAction === undefined &&
        actionsOf(s).length > 0 &&
        actionsOf(s).every((a) => a.toLowerCase() === 'sts:assumerole')),
  );
}

/** 0 only when every check ran and passed (warnings pass); 1 when one failed or could not run. */
export function doctorExitStatus(results: CheckResult[]): number {
  return results.some((r) => r.status === 'fail' || r.status === 'skipped') ? 1 : 0;
}

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: unknown;
}

function statementsOf(document: string): Statement[] | undefined {
  try {
    const doc = JSON.parse(document) as { Statement?: unknown };
    const s = doc.Statement;
    if (Array.isArray(s)) return s as Statement[];
    return s && typeof s === 'object' ? [s as Statement] : [];
  } catch {
    return undefined;
  }
}

function actionsOf(s: Statement): string[] {
  const a = s.Action;
  return (Array.isArray(a) ? a : [a]).filter((x): x is string => typeof x === 'string');
}

// IAM action patterns: case-insensitive, `*` and `?` wildcards.
function matchesAction(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(action);
}

// Bool (not BoolIfExists: that passes when the key is absent, i.e. without MFA) aws:MultiFactorAuthPresent = true,
// or a NumericLessThan on aws:MultiFactorAuthAge (absent without MFA, so the condition fails).
function requiresMfa(condition: unknown): boolean {
  if (!condition || typeof condition !== 'object') return false;
  return Object.entries(condition as Record<string, unknown>).some(([operator, block]) => {
    if (!block || typeof block !== 'object') return false;
    const op = operator.toLowerCase();
    return Object.entries(block as Record<string, unknown>).some(([key, value]) => {
      const k = key.toLowerCase();
      const values = (Array.isArray(value) ? value : [value]).map((v) => String(v).toLowerCase());
      if (op === 'bool' && k === 'aws:multifactorauthpresent')
        return values.length > 0 && values.every((v) => v === 'true');
      return (op === 'numericlessthan' || op === 'numericlessthanequals') && k === 'aws:multifactorauthage';
    });
  });
}

/** The base of a chain as the config check names it. */
export function describeBase(base: ChainBase): string {
  switch (base.kind) {
    case 'key':
      return 'stored key';
    case 'credential-process':
      return 'credential_process';
    case 'sso':
      return `IAM Identity Center ${base.sso.startUrl}, account ${base.sso.accountId}, role ${base.sso.roleName}`;
    case 'web-identity':
      return `web identity token ${base.webIdentity.tokenFile} for ${base.webIdentity.roleArn}`;
    case 'credential-source':
      return `credential_source ${base.source}`;
  }
}

/** The check that fits a base that is not a stored key: what it gives, read without any AWS call. */
export function checkBase(
  base: Exclude<ChainBase, { kind: 'key' }>,
  read: Probe<{ credentials?: Credentials; bytes?: number }> | undefined,
  now: Date,
): CheckResult {
  switch (base.kind) {
    case 'credential-process':
      return {
        check: 'stored key',
        status: 'ok',
        message: `none needed: "${base.profile}" gets its credentials from credential_process`,
      };
    case 'sso':
      return {
        check: 'sso',
        status: 'skipped',
        message: `"${base.profile}" signs in with IAM Identity Center (${base.sso.startUrl}), which this build does not check`,
      };
    case 'web-identity': {
      const file = base.webIdentity.tokenFile;
      if (read && 'value' in read)
        return { check: 'token file', status: 'ok', message: `${file} holds a token (${read.value.bytes} bytes)` };
      return {
        check: 'token file',
        status: 'fail',
        message: read && 'error' in read ? read.error : `${file} cannot be read`,
        fix: 'point web_identity_token_file at the token your identity provider writes',
      };
    }
    case 'credential-source': {
      const c = read && 'value' in read ? read.value.credentials : undefined;
      if (c) {
        const expiry = c.expiration ? `, ${describeExpiry(c.expiration, now)}` : '';
        return {
          check: 'credential source',
          status: 'ok',
          message: `${base.source} gives credentials (key ${showKey(c.accessKeyId)}${expiry})`,
        };
      }
      return {
        check: 'credential source',
        status: 'fail',
        message: read && 'error' in read ? read.error : `${base.source} gives no credentials`,
        fix:
          base.source === 'Environment'
            ? 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
            : base.source === 'EcsContainer'
              ? 'run inside an ECS task or EKS pod with a task role'
              : 'run on EC2 with an instance profile, or set AWS_EC2_METADATA_SERVICE_ENDPOINT',
      };
    }
  }
}

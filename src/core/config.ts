// Profiles from the parsed AWS files: typed and validated, source_profile
// chains resolved, region and endpoint chosen the way the AWS SDKs choose them.

import { MfaExecError } from './errors.js';
import { closest } from './suggest.js';

/** The AWS config and credentials files as the SDKs read them (built by adapters/aws-files.ts). */
export interface ParsedAwsFiles {
  configPath: string;
  credentialsPath: string;
  /** The paths as shown in messages (`~/.aws/config`). */
  configLabel: string;
  credentialsLabel: string;
  /** Every profile's settings, the credentials file's values overriding the config file's. */
  profiles: Record<string, Record<string, string>>;
  /** The profiles of the credentials file alone (what `import` reads and `--scrub` edits). */
  credentialsProfiles: Record<string, Record<string, string>>;
  /** `[services NAME]` sections of the config file; nested keys as `sts.endpoint_url`. */
  services: Record<string, Record<string, string>>;
  /** Sections the SDKs do not read as profiles (`[prod]` in config, `[profile x]` in credentials), for hints. */
  ignoredSections: { label: string; line: number; header: string }[];
}

/** One profile's settings, typed and validated. */
export interface ProfileConfig {
  name: string;
  roleArn?: string;
  sourceProfile?: string;
  credentialSource?: string;
  mfaSerial?: string;
  region?: string;
  durationSeconds?: number;
  roleSessionName?: string;
  externalId?: string;
  mfaProcess?: string;
  credentialProcess?: string;
  endpointUrl?: string;
  servicesSection?: string;
  ignoreConfiguredEndpointUrls?: boolean;
  /** aws_access_key_id and aws_secret_access_key are both in the files. */
  hasFileKey: boolean;
}

/** One sts:AssumeRole of a chain. */
export interface RoleStep {
  profile: string;
  roleArn: string;
  roleSessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  mfaSerial?: string;
  /** source_identity, sent as SourceIdentity. */
  sourceIdentity?: string;
  /** session_tags (Key1=Value1,Key2=Value2), sent as Tags. */
  tags?: { key: string; value: string }[];
  /** transitive_session_tags (Key1,Key2), sent as TransitiveTagKeys. */
  transitiveTagKeys?: string[];
}

/** The credential_source values the AWS CLI and SDKs define. */
export const CREDENTIAL_SOURCES = ['Environment', 'Ec2InstanceMetadata', 'EcsContainer'] as const;
export type CredentialSourceName = (typeof CREDENTIAL_SOURCES)[number];

/** An IAM Identity Center profile's settings (sso_session's section merged in, or the legacy keys). */
export interface SsoSettings {
  /** The [sso-session NAME], absent for the legacy sso_start_url form. */
  session?: string;
  startUrl: string;
  region: string;
  accountId: string;
  roleName: string;
  registrationScopes?: string;
}

/** Where a chain's first credentials come from: one kind per base (docs/ARCHITECTURE.md). */
export type ChainBase =
  | { kind: 'key'; profile: string }
  | { kind: 'credential-process'; profile: string; command: string }
  | { kind: 'sso'; profile: string; sso: SsoSettings }
  | {
      kind: 'web-identity';
      profile: string;
      webIdentity: { roleArn: string; tokenFile: string; roleSessionName?: string; durationSeconds?: number };
    }
  | { kind: 'credential-source'; profile: string; source: CredentialSourceName };

/** What it takes to get credentials for a profile: a base credential, then roles in turn. */
export interface Chain {
  /** The profile named. */
  profile: string;
  /** Where the first credentials come from. */
  base: ChainBase;
  /** In the order they are assumed: roles[0] is assumed with the base credentials. */
  roles: RoleStep[];
  /** The MFA device for the first STS call: the first mfa_serial walking from the named profile to the base. */
  mfaSerial?: string;
  /** The first mfa_process on the same walk. */
  mfaProcess?: string;
  /** The named profile's region only (not its sources'), as the contract says. */
  region?: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const MFA_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(mfa|u2f)\/[\w+=,.@/-]+$/;
// Hardware (including GSM-style) MFA serials, as IAM accepts them.
const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;

/** True for an MFA device serial as IAM accepts it: a virtual/U2F device ARN or a hardware serial. */
export function isMfaSerial(serial: string): boolean {
  return (serial.startsWith('arn:') ? MFA_ARN : MFA_SERIAL).test(serial);
}

/** Every profile name in the files, sorted. */
export function profileNames(files: ParsedAwsFiles): string[] {
  return Object.keys(files.profiles).sort();
}

/** The named profile, validated; unknown → 'profile-not-found' with a did-you-mean hint, invalid values → 'config'. */
export function getProfile(files: ParsedAwsFiles, name: string): ProfileConfig {
  if (!Object.hasOwn(files.profiles, name)) throw notFound(files, name);
  const raw = files.profiles[name]!;
  const get = (key: string) => (Object.hasOwn(raw, key) ? raw[key] : undefined);
  const invalid = (key: string, expected: string) =>
    new MfaExecError('config', `profile "${name}": ${key} "${raw[key]}" is not ${expected}`, {
      hint: `fix ${key} of [${name === 'default' ? 'default' : `profile ${name}`}] in ${files.configLabel}`,
    });

  const roleArn = get('role_arn');
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn))
    throw invalid('role_arn', 'a role ARN (arn:aws:iam::123456789012:role/NAME)');
  const mfaSerial = get('mfa_serial');
  if (mfaSerial !== undefined && !isMfaSerial(mfaSerial)) {
    throw invalid('mfa_serial', 'an MFA device (arn:aws:iam::123456789012:mfa/NAME or a hardware serial)');
  }
  const duration = get('duration_seconds');
  let durationSeconds: number | undefined;
  if (duration !== undefined) {
    durationSeconds = /^\d{1,6}$/.test(duration) ? Number(duration) : NaN;
    if (!(durationSeconds >= 900 && durationSeconds <= 43200))
      throw invalid('duration_seconds', 'a whole number of seconds from 900 to 43200');
  }
  const ignore = get('ignore_configured_endpoint_urls');
  if (ignore !== undefined && ignore !== 'true' && ignore !== 'false')
    throw invalid('ignore_configured_endpoint_urls', 'true or false');

  const profile: ProfileConfig = {
    name,
    hasFileKey: get('aws_access_key_id') !== undefined && get('aws_secret_access_key') !== undefined,
  };
  const optional: [keyof ProfileConfig, string | number | boolean | undefined][] = [
    ['roleArn', roleArn],
    ['sourceProfile', get('source_profile')],
    ['credentialSource', get('credential_source')],
    ['mfaSerial', mfaSerial],
    ['region', get('region')],
    ['durationSeconds', durationSeconds],
    ['roleSessionName', get('role_session_name')],
    ['externalId', get('external_id')],
    ['mfaProcess', get('mfa_process')],
    ['credentialProcess', get('credential_process')],
    ['endpointUrl', get('endpoint_url')],
    ['servicesSection', get('services')],
    ['ignoreConfiguredEndpointUrls', ignore === undefined ? undefined : ignore === 'true'],
  ];
  for (const [key, value] of optional) if (value !== undefined) Object.assign(profile, { [key]: value });
  return profile;
}

function notFound(files: ParsedAwsFiles, name: string, sourceOf?: string): MfaExecError {
  const where = sourceOf === undefined ? '' : ` (source_profile of "${sourceOf}")`;
  const ignored = files.ignoredSections.find((s) => s.header === name || s.header === `profile ${name}`);
  const suggestion = closest(name, profileNames(files));
  let hint: string;
  if (suggestion !== undefined) hint = `did you mean "${suggestion}"?`;
  else if (ignored !== undefined)
    hint = `${ignored.label}:${ignored.line} has [${ignored.header}], which AWS tools ignore there: write [profile ${name}] in the config file, [${name}] in the credentials file`;
  else
    hint = `add [profile ${name}] to ${files.configLabel}${sourceOf === undefined ? '' : ` or fix source_profile of "${sourceOf}"`}`;
  return new MfaExecError('profile-not-found', `profile "${name}" not found in ${files.configLabel}${where}`, { hint });
}

/** The chain behind profile `name`; cycles, role profiles without a source, and unsupported credential_source → 'config'. */
export function resolveChain(files: ParsedAwsFiles, name: string): Chain {
  const named = getProfile(files, name);
  const walk = [named];
  let current = named;
  // As the SDKs: a role profile is followed to its source_profile until a profile
  // without role_arn, or one with a key in the files (even if it has role_arn,
  // so `source_profile = itself` means "assume my role with my own key").
  while (current.roleArn !== undefined) {
    const sourceName = sourceOf(current, files);
    if (!Object.hasOwn(files.profiles, sourceName)) throw notFound(files, sourceName, current.name);
    const source = getProfile(files, sourceName);
    const isBase = source.hasFileKey || source.roleArn === undefined;
    if (!isBase && walk.some((p) => p.name === sourceName)) {
      const names = walk.map((p) => p.name);
      const cycle = [...names.slice(names.indexOf(sourceName)), sourceName].join(' → ');
      throw new MfaExecError('config', `profile "${name}": source_profile cycle ${cycle}`, {
        hint: `end the chain at a profile without role_arn in ${files.configLabel}`,
      });
    }
    walk.push(source);
    if (isBase) break;
    current = source;
  }
  const base = walk[walk.length - 1]!;
  if (base.credentialSource !== undefined) throw unsupportedCredentialSource(files, base);
  const chainBase: ChainBase =
    !base.hasFileKey && base.credentialProcess !== undefined
      ? { kind: 'credential-process', profile: base.name, command: base.credentialProcess }
      : { kind: 'key', profile: base.name };
  const roles = walk
    .slice(0, walk.length === 1 ? 0 : -1)
    .reverse()
    .map((p): RoleStep => {
      const step: RoleStep = { profile: p.name, roleArn: p.roleArn! };
      if (p.roleSessionName !== undefined) step.roleSessionName = p.roleSessionName;
      if (p.externalId !== undefined) step.externalId = p.externalId;
      if (p.durationSeconds !== undefined) step.durationSeconds = p.durationSeconds;
      if (p.mfaSerial !== undefined) step.mfaSerial = p.mfaSerial;
      return step;
    });
  const chain: Chain = { profile: name, base: chainBase, roles };
  const mfaSerial = walk.find((p) => p.mfaSerial !== undefined)?.mfaSerial;
  const mfaProcess = walk.find((p) => p.mfaProcess !== undefined)?.mfaProcess;
  if (mfaSerial !== undefined) chain.mfaSerial = mfaSerial;
  if (mfaProcess !== undefined) chain.mfaProcess = mfaProcess;
  if (named.region !== undefined) chain.region = named.region;
  return chain;
}

function sourceOf(profile: ProfileConfig, files: ParsedAwsFiles): string {
  if (profile.sourceProfile !== undefined && profile.credentialSource !== undefined) {
    throw new MfaExecError('config', `profile "${profile.name}" has both source_profile and credential_source`, {
      hint: `keep only source_profile in ${files.configLabel}`,
    });
  }
  if (profile.credentialSource !== undefined) throw unsupportedCredentialSource(files, profile);
  if (profile.sourceProfile === undefined) {
    throw new MfaExecError('config', `profile "${profile.name}" has role_arn but no source_profile`, {
      hint: `add source_profile = <the profile holding the key> to it in ${files.configLabel}`,
    });
  }
  return profile.sourceProfile;
}

function unsupportedCredentialSource(files: ParsedAwsFiles, profile: ProfileConfig): MfaExecError {
  return new MfaExecError(
    'config',
    `profile "${profile.name}" uses credential_source, which mfa-exec does not support`,
    {
      hint: `use source_profile = <a profile with a stored key> in ${files.configLabel}`,
    },
  );
}

function set(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The region: --region, else AWS_REGION, else AWS_DEFAULT_REGION, else the named profile's region (as the AWS CLI). */
export function resolveRegion(args: {
  flag?: string;
  env: Record<string, string | undefined>;
  profile?: ProfileConfig;
}): string | undefined {
  return set(args.flag) ?? set(args.env.AWS_REGION) ?? set(args.env.AWS_DEFAULT_REGION) ?? set(args.profile?.region);
}

/**
 * The configured endpoint URL for `service`, as the SDKs' "service-specific endpoints":
 * AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else the named profile's `services`
 * section, else its endpoint_url; none when ignore_configured_endpoint_urls is true
 * (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS first, then the profile).
 */
export function resolveEndpoint(
  service: 'sts' | 'iam' | 'sso' | 'sso_oidc',
  args: { env: Record<string, string | undefined>; profile?: ProfileConfig; files: ParsedAwsFiles },
): string | undefined {
  const { env, profile, files } = args;
  const ignoreEnv = set(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
  if (ignoreEnv !== undefined && ignoreEnv !== 'true' && ignoreEnv !== 'false') {
    throw new MfaExecError('config', `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "${ignoreEnv}", not true or false`, {
      hint: 'set it to true or false, or unset it',
    });
  }
  if (ignoreEnv === undefined ? profile?.ignoreConfiguredEndpointUrls === true : ignoreEnv === 'true') return undefined;
  const fromEnv = set(env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`]) ?? set(env.AWS_ENDPOINT_URL);
  if (fromEnv !== undefined || profile === undefined) return fromEnv;
  if (profile.servicesSection !== undefined) {
    // As the SDKs: naming a services section that does not exist is an error.
    if (!Object.hasOwn(files.services, profile.servicesSection)) {
      throw new MfaExecError(
        'config',
        `profile "${profile.name}": services section "${profile.servicesSection}" not found in ${files.configLabel}`,
        {
          hint: `add [services ${profile.servicesSection}] to ${files.configLabel} or remove services from the profile`,
        },
      );
    }
    const url = set(files.services[profile.servicesSection]![`${service}.endpoint_url`]);
    if (url !== undefined) return url;
  }
  return set(profile.endpointUrl);
}

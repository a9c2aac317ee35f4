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
  /** `[sso-session NAME]` sections of the config file. */
  ssoSessions: Record<string, Record<string, string>>;
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
  webIdentityTokenFile?: string;
  /** The SSO settings, checked complete, when the profile has any sso_* key. */
  sso?: SsoSettings;
  sourceIdentity?: string;
  /** login_session (`aws login`): a base mfa-exec cannot use. */
  loginSession?: string;
  sessionTags?: { key: string; value: string }[];
  transitiveSessionTags?: string[];
  /** aws_access_key_id and aws_secret_access_key are both in the files. */
  hasFileKey: boolean;
  /** aws_session_token is in the files too: temporary credentials, which mfa-exec does not use as a base. */
  hasFileSessionToken?: boolean;
}

/** What `list --json` calls a profile: "role" when it assumes a role over another profile, else its own base's kind. */
export type ProfileKind = 'role' | ChainBase['kind'];

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

/** The section a profile's messages point at. */
function sectionLabel(name: string): string {
  return `[${name === 'default' ? 'default' : `profile ${name}`}]`;
}

/** Keys an included profile does not lend: the key pair belongs to its own profile (and the store). */
const NOT_INCLUDED = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'include_profile']);

/**
 * The profile's settings with include_profile merged in as aws-vault does: the included profile's
 * keys (and those it includes, in turn) under the profile's own. A missing include or a cycle → 'config'.
 */
function rawSettings(files: ParsedAwsFiles, name: string, seen: string[] = []): Record<string, string> {
  const own = files.profiles[name]!;
  const include = Object.hasOwn(own, 'include_profile') ? own.include_profile : undefined;
  if (include === undefined) return own;
  if (seen.includes(include) || include === name) {
    throw new MfaExecError(
      'config',
      `profile "${name}": include_profile cycle ${[...seen, name, include].join(' → ')}`,
      {
        hint: `remove one include_profile in ${files.configLabel}`,
      },
    );
  }
  if (!Object.hasOwn(files.profiles, include)) {
    throw new MfaExecError(
      'config',
      `profile "${name}": include_profile "${include}" not found in ${files.configLabel}`,
      {
        hint: `add [profile ${include}] or fix include_profile of ${sectionLabel(name)}`,
      },
    );
  }
  const merged: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(rawSettings(files, include, [...seen, name])))
    if (!NOT_INCLUDED.has(k)) merged[k] = v;
  return Object.assign(merged, own);
}

/** The named profile, validated; unknown → 'profile-not-found' with a did-you-mean hint, invalid values → 'config'. */
export function getProfile(files: ParsedAwsFiles, name: string): ProfileConfig {
  if (!Object.hasOwn(files.profiles, name)) throw notFound(files, name);
  const raw = rawSettings(files, name);
  const get = (key: string) => (Object.hasOwn(raw, key) ? raw[key] : undefined);
  const invalid = (key: string, expected: string) =>
    new MfaExecError('config', `profile "${name}": ${key} "${raw[key]}" is not ${expected}`, {
      hint: `fix ${key} of ${sectionLabel(name)} in ${files.configLabel}`,
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
  const credentialSource = get('credential_source');
  if (credentialSource !== undefined && !(CREDENTIAL_SOURCES as readonly string[]).includes(credentialSource))
    throw invalid('credential_source', `one of ${CREDENTIAL_SOURCES.join(', ')}`);
  const tags = get('session_tags');
  let sessionTags: { key: string; value: string }[] | undefined;
  if (tags !== undefined) {
    // As aws-vault: Key1=Value1,Key2=Value2 (blanks around each part trimmed).
    sessionTags = tags.split(',').map((pair) => {
      const i = pair.indexOf('=');
      const key = pair.slice(0, i).trim();
      if (i < 0 || key === '') throw invalid('session_tags', 'a list of Key=Value pairs separated by commas');
      return { key, value: pair.slice(i + 1).trim() };
    });
  }
  const transitive = get('transitive_session_tags');
  const transitiveSessionTags = transitive?.split(',').map((k) => k.trim());
  if (transitiveSessionTags?.some((k) => k === ''))
    throw invalid('transitive_session_tags', 'a list of tag keys separated by commas');
  if (get('web_identity_token_process') !== undefined) {
    throw new MfaExecError('config', `profile "${name}": mfa-exec cannot run web_identity_token_process`, {
      hint: `let the command write the token to a file, and name it with web_identity_token_file in ${sectionLabel(name)}`,
    });
  }
  const webIdentityTokenFile = get('web_identity_token_file');
  if (webIdentityTokenFile !== undefined && roleArn === undefined) {
    throw new MfaExecError('config', `profile "${name}" has web_identity_token_file but no role_arn`, {
      hint: `add role_arn = <the role to assume with the token> to ${sectionLabel(name)} in ${files.configLabel}`,
    });
  }

  const profile: ProfileConfig = {
    name,
    hasFileKey: get('aws_access_key_id') !== undefined && get('aws_secret_access_key') !== undefined,
  };
  const optional: [keyof ProfileConfig, unknown][] = [
    ['roleArn', roleArn],
    ['sourceProfile', get('source_profile')],
    ['credentialSource', credentialSource],
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
    ['webIdentityTokenFile', webIdentityTokenFile],
    ['sso', ssoSettings(files, name, get)],
    ['sourceIdentity', get('source_identity')],
    ['loginSession', get('login_session')],
    ['sessionTags', sessionTags],
    ['transitiveSessionTags', transitiveSessionTags],
    ['hasFileSessionToken', get('aws_session_token') === undefined ? undefined : true],
  ];
  for (const [key, value] of optional) if (value !== undefined) Object.assign(profile, { [key]: value });
  return profile;
}

const SSO_KEYS = ['sso_session', 'sso_start_url', 'sso_region', 'sso_account_id', 'sso_role_name'];

/**
 * A profile's SSO settings, as the SDKs read them: any sso_* key makes it an SSO profile, which then
 * needs sso_account_id, sso_role_name and either sso_session (with its [sso-session NAME] holding
 * sso_start_url and sso_region, which the profile may repeat only with the same values) or the
 * legacy sso_start_url + sso_region. A missing key is an error naming it.
 */
function ssoSettings(
  files: ParsedAwsFiles,
  name: string,
  get: (key: string) => string | undefined,
): SsoSettings | undefined {
  if (!SSO_KEYS.some((k) => get(k) !== undefined)) return undefined;
  const missing = (key: string, where = sectionLabel(name)) =>
    new MfaExecError('config', `profile "${name}" is an IAM Identity Center (SSO) profile without ${key}`, {
      hint: `add ${key} to ${where} in ${files.configLabel}`,
    });
  const sessionName = get('sso_session');
  let startUrl = get('sso_start_url');
  let region = get('sso_region');
  let registrationScopes: string | undefined;
  if (sessionName !== undefined) {
    if (!Object.hasOwn(files.ssoSessions, sessionName)) {
      throw new MfaExecError(
        'config',
        `profile "${name}": sso_session "${sessionName}" has no [sso-session ${sessionName}] section`,
        {
          hint: `add [sso-session ${sessionName}] with sso_start_url and sso_region to ${files.configLabel}`,
        },
      );
    }
    const section = files.ssoSessions[sessionName]!;
    for (const [key, value] of [
      ['sso_start_url', startUrl],
      ['sso_region', region],
    ] as const) {
      if (value !== undefined && section[key] !== undefined && section[key] !== value) {
        throw new MfaExecError(
          'config',
          `profile "${name}": ${key} differs from the one of [sso-session ${sessionName}]`,
          {
            hint: `remove ${key} from ${sectionLabel(name)}`,
          },
        );
      }
    }
    startUrl = section.sso_start_url;
    region = section.sso_region;
    registrationScopes = section.sso_registration_scopes;
    if (startUrl === undefined) throw missing('sso_start_url', `[sso-session ${sessionName}]`);
    if (region === undefined) throw missing('sso_region', `[sso-session ${sessionName}]`);
  }
  if (startUrl === undefined) throw missing('sso_session (or sso_start_url)');
  if (region === undefined) throw missing('sso_region');
  const accountId = get('sso_account_id');
  const roleName = get('sso_role_name');
  if (accountId === undefined) throw missing('sso_account_id');
  if (roleName === undefined) throw missing('sso_role_name');
  return {
    ...(sessionName !== undefined && { session: sessionName }),
    startUrl,
    region,
    accountId,
    roleName,
    ...(registrationScopes !== undefined && { registrationScopes }),
  };
}

/** The kind `list` shows: "role" for role_arn over another profile, else the kind of the profile's own base. */
export function profileKind(profile: ProfileConfig): ProfileKind {
  if (profile.roleArn !== undefined && profile.webIdentityTokenFile === undefined) {
    return profile.credentialSource !== undefined && profile.sourceProfile === undefined ? 'credential-source' : 'role';
  }
  return ownBase(profile).kind;
}

/**
 * A profile's own base, in the SDKs' order: keys in the files (mfa-exec keeps them in the store),
 * web identity, SSO, credential_process, else the key stored by `mfa-exec add`.
 */
function ownBase(p: ProfileConfig): ChainBase {
  if (p.hasFileKey) return { kind: 'key', profile: p.name };
  if (p.webIdentityTokenFile !== undefined) {
    return {
      kind: 'web-identity',
      profile: p.name,
      webIdentity: {
        roleArn: p.roleArn!,
        tokenFile: p.webIdentityTokenFile,
        ...(p.roleSessionName !== undefined && { roleSessionName: p.roleSessionName }),
        ...(p.durationSeconds !== undefined && { durationSeconds: p.durationSeconds }),
      },
    };
  }
  if (p.sso !== undefined) return { kind: 'sso', profile: p.name, sso: p.sso };
  if (p.credentialProcess !== undefined)
    return { kind: 'credential-process', profile: p.name, command: p.credentialProcess };
  if (p.loginSession !== undefined) {
    throw new MfaExecError(
      'config',
      `profile "${p.name}" signs in with login_session (aws login), which mfa-exec cannot use`,
      {
        hint: 'use the AWS CLI for this profile, or give it a key with `mfa-exec add`',
      },
    );
  }
  return { kind: 'key', profile: p.name };
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

/** The chain behind profile `name`; cycles, role profiles without a source, and keys mfa-exec cannot honour → 'config'. */
export function resolveChain(files: ParsedAwsFiles, name: string): Chain {
  const named = getProfile(files, name);
  const walk = [named];
  const roleProfiles: ProfileConfig[] = [];
  let current = named;
  let base: ChainBase;
  // As the SDKs: a role profile is followed to its source_profile until a profile
  // without role_arn, or one with a key in the files (even if it has role_arn,
  // so `source_profile = itself` means "assume my role with my own key"). A web
  // identity profile is a base of its own; credential_source is the base of its role.
  for (;;) {
    if (current.roleArn === undefined || current.webIdentityTokenFile !== undefined) {
      base = ownBase(current);
      break;
    }
    roleProfiles.push(current);
    const source = sourceOf(current, files);
    if (source === undefined) {
      base = {
        kind: 'credential-source',
        profile: current.name,
        source: current.credentialSource as CredentialSourceName,
      };
      break;
    }
    if (!Object.hasOwn(files.profiles, source)) throw notFound(files, source, current.name);
    const next = getProfile(files, source);
    if (next.hasFileKey) {
      walk.push(next);
      base = { kind: 'key', profile: next.name };
      break;
    }
    if (walk.some((p) => p.name === source) && next.roleArn !== undefined) {
      const names = walk.map((p) => p.name);
      const cycle = [...names.slice(names.indexOf(source)), source].join(' → ');
      throw new MfaExecError('config', `profile "${name}": source_profile cycle ${cycle}`, {
        hint: `end the chain at a profile without role_arn in ${files.configLabel}`,
      });
    }
    walk.push(next);
    current = next;
  }
  const baseProfile = walk[walk.length - 1]!;
  if (base.kind === 'key' && baseProfile.hasFileSessionToken) {
    throw new MfaExecError(
      'config',
      `profile "${baseProfile.name}" holds temporary credentials (aws_session_token) in ${files.credentialsLabel}, which mfa-exec cannot use as a base`,
      { hint: `remove aws_session_token from [${baseProfile.name}], or use the AWS CLI for that profile` },
    );
  }
  const roles = roleProfiles.reverse().map((p): RoleStep => {
    const step: RoleStep = { profile: p.name, roleArn: p.roleArn! };
    if (p.roleSessionName !== undefined) step.roleSessionName = p.roleSessionName;
    if (p.externalId !== undefined) step.externalId = p.externalId;
    if (p.durationSeconds !== undefined) step.durationSeconds = p.durationSeconds;
    if (p.mfaSerial !== undefined) step.mfaSerial = p.mfaSerial;
    if (p.sourceIdentity !== undefined) step.sourceIdentity = p.sourceIdentity;
    if (p.sessionTags !== undefined) step.tags = p.sessionTags;
    if (p.transitiveSessionTags !== undefined) step.transitiveTagKeys = p.transitiveSessionTags;
    return step;
  });
  const chain: Chain = { profile: name, base, roles };
  const mfaSerial = walk.find((p) => p.mfaSerial !== undefined)?.mfaSerial;
  const mfaProcess = walk.find((p) => p.mfaProcess !== undefined)?.mfaProcess;
  if (mfaSerial !== undefined) chain.mfaSerial = mfaSerial;
  if (mfaProcess !== undefined) chain.mfaProcess = mfaProcess;
  if (named.region !== undefined) chain.region = named.region;
  return chain;
}

/** The source_profile of a role profile, or undefined when its credential_source is the base. */
function sourceOf(profile: ProfileConfig, files: ParsedAwsFiles): string | undefined {
  if (profile.sourceProfile !== undefined && profile.credentialSource !== undefined) {
    throw new MfaExecError('config', `profile "${profile.name}" has both source_profile and credential_source`, {
      hint: `keep only one of them in ${files.configLabel}`,
    });
  }
  if (profile.credentialSource !== undefined) return undefined;
  if (profile.sourceProfile === undefined) {
    throw new MfaExecError('config', `profile "${profile.name}" has role_arn but no source_profile`, {
      hint: `add source_profile = <the profile holding the key>, credential_source or web_identity_token_file to it in ${files.configLabel}`,
    });
  }
  return profile.sourceProfile;
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
  service: 'sts' | 'iam',
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

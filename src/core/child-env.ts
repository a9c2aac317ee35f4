// The environment the child process gets: our credentials in, every inherited
// credential source out, so nothing the SDKs read can override what we set.

import type { ParsedAwsFiles } from './config.js';
import { isoUtc } from './duration.js';
import { MfaExecError } from './errors.js';
import type { Credentials } from './types.js';

type ParentEnv = Record<string, string | undefined>;

/**
 * Variables removed from the inherited environment before ours are set: the
 * profile selectors and everything an AWS credential chain reads
 * (SDK v3 env/container/web-identity providers, botocore's AWS_SECURITY_TOKEN,
 * Go SDK v1's AWS_ACCESS_KEY / AWS_SECRET_KEY aliases), so a stale or foreign
 * source can neither override nor be mixed with our credentials.
 */
const REMOVED_VARIABLES: readonly string[] = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CREDENTIAL_SCOPE',
  'AWS_ACCOUNT_ID',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
];

/**
 * True for a variable the child must not inherit: REMOVED_VARIABLES, and every MFA_EXEC_*
 * (MFA_EXEC_FILE_PASSPHRASE would open the store; MFA_EXEC_PROFILE is set anew below).
 */
function removed(name: string): boolean {
  return REMOVED_VARIABLES.includes(name) || name.startsWith('MFA_EXEC_');
}

/** The parent's defined variables minus the removed ones, plus region and MFA_EXEC_PROFILE. */
function baseEnv(parent: ParentEnv, region: string | undefined, profile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && !removed(name)) env[name] = value;
  }
  if (region) {
    env.AWS_REGION = region;
    env.AWS_DEFAULT_REGION = region;
  }
  env.MFA_EXEC_PROFILE = profile;
  return env;
}

/** The child's environment carrying `credentials` as static variables (README.md, "Commands": the child's environment). */
export function buildChildEnv(input: {
  parent: ParentEnv;
  credentials: Credentials;
  region?: string;
  profile: string;
}): Record<string, string> {
  const { credentials } = input;
  const env = baseEnv(input.parent, input.region, input.profile);
  env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  if (credentials.sessionToken !== undefined) {
    env.AWS_SESSION_TOKEN = credentials.sessionToken;
    // botocore and older SDKs still read the pre-2014 name.
    env.AWS_SECURITY_TOKEN = credentials.sessionToken;
  }
  if (credentials.expiration !== undefined) env.AWS_CREDENTIAL_EXPIRATION = isoUtc(credentials.expiration);
  return env;
}

/** The child's environment for --ecs-server: credentials come from `url` with `token`, no static keys. */
export function containerEnv(input: {
  parent: ParentEnv;
  url: string;
  token: string;
  region?: string;
  profile: string;
}): Record<string, string> {
  const env = baseEnv(input.parent, input.region, input.profile);
  env.AWS_CONTAINER_CREDENTIALS_FULL_URI = input.url;
  env.AWS_CONTAINER_AUTHORIZATION_TOKEN = input.token;
  return env;
}

/** Throws MfaExecError 'nested' when `parent` is already an mfa-exec child (MFA_EXEC_PROFILE non-empty). */
export function nestingGuard(parent: ParentEnv): void {
  const profile = parent.MFA_EXEC_PROFILE;
  if (profile) {
    throw new MfaExecError('nested', `already inside an mfa-exec subshell for profile "${profile}"`, {
      hint: 'exit it first, or unset MFA_EXEC_PROFILE to nest on purpose',
    });
  }
}

/**
 * Settings of the shared files' [default] profile that botocore and the JS SDK read before
 * container credentials (static keys, a role, a process, web identity, SSO), in the order
 * they are reported.
 */
const DEFAULT_CREDENTIAL_KEYS: readonly string[] = [
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'credential_process',
  'role_arn',
  'source_profile',
  'credential_source',
  'web_identity_token_file',
  'sso_session',
  'sso_start_url',
  'sso_account_id',
  'sso_role_name',
];

/**
 * Throws a 'config' error naming file, section and key when the [default] profile holds a
 * credential source: a child of `exec --ecs-server` (its AWS_PROFILE removed) would use it
 * instead of the served credentials, silently, maybe in another account.
 */
export function refuseDefaultCredentialSource(files: ParsedAwsFiles): void {
  const fromCredentials = files.credentialsProfiles.default ?? {};
  const merged = files.profiles.default ?? {};
  for (const key of DEFAULT_CREDENTIAL_KEYS) {
    const inCredentials = Object.hasOwn(fromCredentials, key);
    if (!inCredentials && !Object.hasOwn(merged, key)) continue;
    const file = inCredentials ? files.credentialsLabel : files.configLabel;
    throw new MfaExecError(
      'config',
      `${file} [default] sets ${key}: the command would use those credentials, not the ones --ecs-server serves`,
      {
        hint: key.startsWith('aws_')
          ? `move the key into the store with \`mfa-exec import default --scrub\`, or run without --ecs-server`
          : `remove ${key} from [default] (give it a profile of its own), or run without --ecs-server`,
      },
    );
  }
}

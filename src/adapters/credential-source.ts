// credential_source as botocore reads it: Environment (the AWS_* key variables mfa-exec was
// started with), Ec2InstanceMetadata (IMDSv2: a token PUT, then the role's credentials GET),
// EcsContainer (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with the authorization token).
// Also the web_identity_token_file read, the other base read from the machine.

import { readFile } from 'node:fs/promises';
import type { CredentialSourceName } from '../core/config.js';
import { MfaExecError } from '../core/errors.js';
import type { Credentials } from '../core/types.js';

type Env = Record<string, string | undefined>;

const IMDS_DEFAULT = 'http://169.254.169.254';
const ECS_HOST = 'http://169.254.170.2';
// botocore accepts a full URI only on loopback or the ECS / EKS pod identity agent addresses (any host over https).
const ECS_HOSTS = new Set(['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', 'localhost']);
const TIMEOUT_MS = 2000;

/** Credentials from `source` for `profile`'s role; a one-line error says what is missing. */
export async function readCredentialSource(
  source: CredentialSourceName,
  profile: string,
  env: Env,
): Promise<Credentials> {
  switch (source) {
    case 'Environment':
      return fromEnvironment(profile, env);
    case 'Ec2InstanceMetadata':
      return fromInstanceMetadata(profile, env);
    case 'EcsContainer':
      return fromContainer(profile, env);
  }
}

function fail(profile: string, source: CredentialSourceName, what: string, hint: string, cause?: unknown) {
  return new MfaExecError('config', `credential_source ${source} of profile "${profile}": ${what}`, { hint, cause });
}

function fromEnvironment(profile: string, env: Env): Credentials {
  const id = env.AWS_ACCESS_KEY_ID || undefined;
  const secret = env.AWS_SECRET_ACCESS_KEY || undefined;
  if (!id || !secret) {
    throw fail(
      profile,
      'Environment',
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set',
      'set them in the environment mfa-exec runs in',
    );
  }
  const token = env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN || undefined;
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    ...(token !== undefined && { sessionToken: token }),
    ...(expiration && !Number.isNaN(expiration.getTime()) && { expiration }),
  };
}

async function fromInstanceMetadata(profile: string, env: Env): Promise<Credentials> {
  const source = 'Ec2InstanceMetadata';
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true') {
    throw fail(profile, source, 'AWS_EC2_METADATA_DISABLED is true', 'unset AWS_EC2_METADATA_DISABLED');
  }
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || IMDS_DEFAULT).replace(/\/+$/, '');
  const unreachable = (e: unknown) =>
    fail(
      profile,
      source,
      `the instance metadata service at ${base} did not answer`,
      'run on EC2 with an instance profile, or set AWS_EC2_METADATA_SERVICE_ENDPOINT',
      e,
    );
  let token: string;
  try {
    // IMDSv2: a session token first, then every read carries it.
    const res = await fetch(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`token PUT answered ${res.status}`);
    token = await res.text();
  } catch (e) {
    throw unreachable(e);
  }
  const get = async (path: string): Promise<string> => {
    const res = await fetch(`${base}${path}`, {
      headers: { 'x-aws-ec2-metadata-token': token },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).catch((e: unknown) => {
      throw unreachable(e);
    });
    if (res.status === 404) {
      throw fail(profile, source, 'the instance has no IAM role', 'attach an instance profile to the instance');
    }
    if (!res.ok) throw unreachable(new Error(`GET ${path} answered ${res.status}`));
    return res.text();
  };
  const role = (await get('/latest/meta-data/iam/security-credentials/')).split('\n')[0]!.trim();
  if (!role) throw fail(profile, source, 'the instance has no IAM role', 'attach an instance profile to the instance');
  return parseMetadataCredentials(
    await get(`/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`),
    profile,
    source,
  );
}

async function fromContainer(profile: string, env: Env): Promise<Credentials> {
  const source = 'EcsContainer';
  let url: string;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    url = `${ECS_HOST}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`;
  } else if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    url = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    const loopback = parsed && (/^127\./.test(parsed.hostname) || parsed.hostname === '[::1]');
    if (!parsed || (parsed.protocol !== 'https:' && !loopback && !ECS_HOSTS.has(parsed.hostname))) {
      throw fail(
        profile,
        source,
        `AWS_CONTAINER_CREDENTIALS_FULL_URI "${url}" is not https, loopback or the ECS/EKS agent`,
        'point it at the container credentials endpoint',
      );
    }
  } else {
    throw fail(
      profile,
      source,
      'neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set',
      'run inside an ECS task or EKS pod with a task role',
    );
  }
  let authorization = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) {
    try {
      authorization = (await readFile(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'utf8')).trim();
    } catch (e) {
      throw fail(
        profile,
        source,
        `cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}`,
        'check the file',
        e,
      );
    }
  }
  let res: Response;
  try {
    res = await fetch(url, {
      headers: authorization ? { authorization } : {},
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    throw fail(profile, source, `the container credentials endpoint did not answer`, 'check the task role', e);
  }
  if (!res.ok) {
    throw fail(profile, source, `the container credentials endpoint answered ${res.status}`, 'check the task role');
  }
  return parseMetadataCredentials(await res.text(), profile, source);
}

/** The JSON the metadata endpoints answer: AccessKeyId, SecretAccessKey, Token, Expiration. */
function parseMetadataCredentials(text: string, profile: string, source: CredentialSourceName): Credentials {
  let j: { AccessKeyId?: unknown; SecretAccessKey?: unknown; Token?: unknown; Expiration?: unknown };
  try {
    j = JSON.parse(text) as typeof j;
  } catch (e) {
    throw fail(profile, source, 'the endpoint did not answer JSON', 'check the endpoint', e);
  }
  const expiration = typeof j.Expiration === 'string' ? new Date(j.Expiration) : undefined;
  if (
    typeof j.AccessKeyId !== 'string' ||
    typeof j.SecretAccessKey !== 'string' ||
    typeof j.Token !== 'string' ||
    !expiration ||
    Number.isNaN(expiration.getTime())
  ) {
    throw fail(
      profile,
      source,
      'the endpoint answered without AccessKeyId, SecretAccessKey, Token and Expiration',
      'check the endpoint',
    );
  }
  return { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token, expiration };
}

/** The token in a web_identity_token_file (read anew each time: its issuer rotates it). */
export async function readWebIdentityToken(path: string, profile: string): Promise<string> {
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token) return token;
  } catch (e) {
    throw new MfaExecError('config', `profile "${profile}": cannot read web_identity_token_file ${path}`, {
      hint: 'check the path and that the file is readable',
      cause: e,
    });
  }
  throw new MfaExecError('config', `profile "${profile}": web_identity_token_file ${path} is empty`, {
    hint: 'let the identity provider write a token into it',
  });
}

import { describe, it, expect } from 'vitest';
import { buildChildEnv, containerEnv, nestingGuard } from '../../src/core/child-env.js';
import { thrown } from '../support/failure.js';

const credentials = {
  accessKeyId: 'ASIAEXAMPLEKEY0001',
  secretAccessKey: 'secret/EXAMPLE+key',
  sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
  expiration: new Date('2030-01-02T03:04:05.000Z'),
};

// Every inherited variable an AWS credential chain or profile selection reads.
const INHERITED_CREDENTIAL_SOURCES = {
  AWS_PROFILE: 'other',
  AWS_DEFAULT_PROFILE: 'other',
  AWS_ACCESS_KEY_ID: 'AKIAINHERITED',
  AWS_SECRET_ACCESS_KEY: 'inherited-secret',
  AWS_SESSION_TOKEN: 'inherited-token',
  AWS_SECURITY_TOKEN: 'inherited-token',
  AWS_CREDENTIAL_EXPIRATION: '2001-01-01T00:00:00Z',
  AWS_CREDENTIAL_SCOPE: 'us-east-1',
  AWS_ACCOUNT_ID: '999999999999',
  AWS_ACCESS_KEY: 'AKIAGOALIAS',
  AWS_SECRET_KEY: 'go-alias-secret',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x',
  AWS_CONTAINER_AUTHORIZATION_TOKEN: 'inherited-auth',
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/var/run/token',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/web-identity',
  AWS_ROLE_ARN: 'arn:aws:iam::999999999999:role/other',
  AWS_ROLE_SESSION_NAME: 'other-session',
};

describe('buildChildEnv', () => {
  it('sets the credentials, both token names, the ISO expiration and the profile', () => {
    const env = buildChildEnv({ parent: {}, credentials, profile: 'test' });
    expect(env).toEqual({
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEKEY0001',
      AWS_SECRET_ACCESS_KEY: 'secret/EXAMPLE+key',
      AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLETOKEN',
      AWS_SECURITY_TOKEN: 'FwoGZXIvYXdzEXAMPLETOKEN',
      AWS_CREDENTIAL_EXPIRATION: '2030-01-02T03:04:05.000Z',
      MFA_EXEC_PROFILE: 'test',
    });
  });

  it('sets AWS_REGION and AWS_DEFAULT_REGION when a region is known, replacing inherited ones', () => {
    const env = buildChildEnv({
      parent: { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-west-2' },
      credentials,
      region: 'ap-northeast-1',
      profile: 'test',
    });
    expect(env.AWS_REGION).toBe('ap-northeast-1');
    expect(env.AWS_DEFAULT_REGION).toBe('ap-northeast-1');
  });

  it('sets no region when none is known', () => {
    const env = buildChildEnv({ parent: {}, credentials, profile: 'test' });
    expect(env).not.toHaveProperty('AWS_REGION');
    expect(env).not.toHaveProperty('AWS_DEFAULT_REGION');
  });

  it('removes every inherited credential source and profile selector', () => {
    const env = buildChildEnv({ parent: INHERITED_CREDENTIAL_SOURCES, credentials, profile: 'test' });
    expect(env).toEqual(buildChildEnv({ parent: {}, credentials, profile: 'test' }));
    expect(Object.keys(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_CREDENTIAL_EXPIRATION',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SECURITY_TOKEN',
      'AWS_SESSION_TOKEN',
      'MFA_EXEC_PROFILE',
    ]);
  });

  it('leaves no inherited token or expiration behind for long-lived credentials', () => {
    const env = buildChildEnv({
      parent: INHERITED_CREDENTIAL_SOURCES,
      credentials: { accessKeyId: 'AKIALONGLIVED', secretAccessKey: 's' },
      profile: 'test',
    });
    expect(env.AWS_ACCESS_KEY_ID).toBe('AKIALONGLIVED');
    expect(env).not.toHaveProperty('AWS_SESSION_TOKEN');
    expect(env).not.toHaveProperty('AWS_SECURITY_TOKEN');
    expect(env).not.toHaveProperty('AWS_CREDENTIAL_EXPIRATION');
  });

  it('passes everything else through unchanged and drops undefined values', () => {
    const parent = {
      PATH: '/usr/bin:/bin',
      HOME: '/home/u',
      EMPTY: '',
      ODD: 'a b\nc=d',
      AWS_CONFIG_FILE: '/cfg',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1',
      UNSET: undefined,
    };
    const env = buildChildEnv({ parent, credentials, profile: 'test' });
    expect(env).toMatchObject({
      PATH: '/usr/bin:/bin',
      HOME: '/home/u',
      EMPTY: '',
      ODD: 'a b\nc=d',
      AWS_CONFIG_FILE: '/cfg',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1',
    });
    expect(env).not.toHaveProperty('UNSET');
    expect(Object.keys(env)).toHaveLength(6 + 6);
  });

  it('does not modify the parent environment', () => {
    const parent = { AWS_PROFILE: 'x', PATH: '/bin' };
    buildChildEnv({ parent, credentials, region: 'eu-west-1', profile: 'test' });
    expect(parent).toEqual({ AWS_PROFILE: 'x', PATH: '/bin' });
  });
});

describe('containerEnv', () => {
  const input = {
    parent: { ...INHERITED_CREDENTIAL_SOURCES, PATH: '/bin' },
    url: 'http://127.0.0.1:40123/credentials',
    token: 'random-token',
    region: 'eu-west-1',
    profile: 'test',
  };

  it('points the child at the server and sets the region and profile', () => {
    expect(containerEnv(input)).toEqual({
      PATH: '/bin',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:40123/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'random-token',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      MFA_EXEC_PROFILE: 'test',
    });
  });

  it('sets no static keys, so the SDK reaches the server (the env provider comes first)', () => {
    const env = containerEnv(input);
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_SECURITY_TOKEN',
      'AWS_CREDENTIAL_EXPIRATION',
    ]) {
      expect(env, name).not.toHaveProperty(name);
    }
  });
});

describe('nestingGuard', () => {
  it('refuses to run inside an mfa-exec child, naming the profile and the override', () => {
    const error = thrown(() => nestingGuard({ MFA_EXEC_PROFILE: 'prod' }));
    expect(error.kind).toBe('nested');
    expect(error.exitCode).toBe(1);
    expect(`mfa-exec: ${error.message} (${error.hint})`).toBe(
      'mfa-exec: already inside an mfa-exec subshell for profile "prod" (exit it first, or unset MFA_EXEC_PROFILE to nest on purpose)',
    );
  });

  it('lets a run through when MFA_EXEC_PROFILE is unset or empty', () => {
    expect(() => nestingGuard({ PATH: '/bin' })).not.toThrow();
    expect(() => nestingGuard({ MFA_EXEC_PROFILE: '' })).not.toThrow();
    expect(() => nestingGuard({ MFA_EXEC_PROFILE: undefined })).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { readCredentialSource, readWebIdentityToken } from '../../src/adapters/credential-source.js';
import { failure } from '../support/failure.js';

describe('credential_source Environment', () => {
  it('reads the key variables, AWS_SESSION_TOKEN (else AWS_SECURITY_TOKEN) and AWS_CREDENTIAL_EXPIRATION', async () => {
    expect(
      await readCredentialSource('Environment', 'p', {
        AWS_ACCESS_KEY_ID: 'ASIAENV',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SECURITY_TOKEN: 'legacy-token',
        AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z',
      }),
    ).toEqual({
      accessKeyId: 'ASIAENV',
      secretAccessKey: 'secret',
      sessionToken: 'legacy-token',
      expiration: new Date('2030-01-01T00:00:00Z'),
    });
  });

  it('without both key variables: a one-line error naming them', async () => {
    const e = await failure(readCredentialSource('Environment', 'p', { AWS_ACCESS_KEY_ID: 'A' }));
    expect(e.message).toBe(
      'credential_source Environment of profile "p": AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set',
    );
  });
});

describe('credential_source EcsContainer', () => {
  it.each(['http://example.com/creds', 'http://10.0.0.5/creds', 'not a url'])(
    'refuses a full URI %s that is neither https, loopback nor the ECS/EKS agent (as botocore)',
    async (uri) => {
      const e = await failure(readCredentialSource('EcsContainer', 'p', { AWS_CONTAINER_CREDENTIALS_FULL_URI: uri }));
      expect(e.message).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
    },
  );

  it('refuses at once when the metadata service is disabled', async () => {
    const e = await failure(readCredentialSource('Ec2InstanceMetadata', 'p', { AWS_EC2_METADATA_DISABLED: 'true' }));
    expect(e.message).toContain('AWS_EC2_METADATA_DISABLED');
  });
});

describe('web_identity_token_file', () => {
  it('a missing file is a one-line error naming it', async () => {
    const e = await failure(readWebIdentityToken('/nonexistent/mfa-exec/token', 'ci'));
    expect(e.message).toBe('profile "ci": cannot read web_identity_token_file /nonexistent/mfa-exec/token');
  });
});

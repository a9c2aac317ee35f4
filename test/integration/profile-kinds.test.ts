// Every kind of profile end to end: the built CLI against the local STS (AssumeRole parameters
// recorded, AssumeRoleWithWebIdentity), the IMDSv2 / container stand-in, and real token files.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../support/cli.js';
import { seedKey } from '../support/fixture.js';
import { envOf } from '../support/children.js';
import { startFakeFederation } from '../support/fake-federation.js';
import { startFakeSts, type FakeSts } from '../support/fake-sts.js';
import { startImds, type Imds, type MetadataCredentials } from '../support/imds.js';

const ACCOUNT = '210987654321';
const KEY_ID = 'AKIAKINDSEXAMPLE0001';
const SECRET = 'kinds/secret/never/shown/EXAMPLEKEY00';
const TOTP = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/kinds`;
const ROLE = (n: string) => `arn:aws:iam::${ACCOUNT}:role/${n}`;
// The Environment test's own user and device, so its MFA code never collides with the stored key's.
const KEY_ID2 = 'AKIAKINDSEXAMPLE0002';
const SECRET2 = 'kinds/second/secret/EXAMPLEKEY0000000002';
const TOTP2 = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U';
const MFA2 = `arn:aws:iam::${ACCOUNT}:mfa/kinds-env`;
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl';

let sts: FakeSts;
let imds: Imds;
let box: Sandbox;
let tokenDir: string;
let instance: MetadataCredentials;

function config(): string {
  const token = join(tokenDir, 'token');
  return `
[profile user]
mfa_serial = ${MFA}
mfa_process = totp-code

[profile tagged]
role_arn = ${ROLE('Tagged')}
source_profile = user
source_identity = alice
session_tags = Team=infra,Project=mfa-exec
transitive_session_tags = Team

[profile base_role]
role_arn = ${ROLE('Admin')}
source_profile = user
mfa_serial = ${MFA}
mfa_process = totp-code

[profile include_me]
include_profile = base_role
role_session_name = included

[profile webid]
role_arn = ${ROLE('WebCi')}
web_identity_token_file = ${token}
role_session_name = ci-run

[profile over_webid]
role_arn = ${ROLE('Deploy')}
source_profile = webid

[profile ec2]
role_arn = ${ROLE('FromEc2')}
credential_source = Ec2InstanceMetadata

[profile over_ec2]
role_arn = ${ROLE('Deploy')}
source_profile = ec2

[profile ecs]
role_arn = ${ROLE('FromEcs')}
credential_source = EcsContainer

[profile envsrc]
role_arn = ${ROLE('Admin')}
credential_source = Environment
mfa_serial = ${MFA2}
mfa_process = totp-code

[profile sso]
sso_session = corp
sso_account_id = ${ACCOUNT}
sso_role_name = Dev

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile tmp]
role_arn = ${ROLE('Deploy')}
source_profile = tmpcreds
`;
}

beforeAll(async () => {
  sts = await startFakeSts({
    users: [
      {
        userName: 'kinds',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET,
        mfaSerial: MFA,
        totpSecret: TOTP,
      },
      {
        userName: 'kinds-env',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID2,
        secretAccessKey: SECRET2,
        mfaSerial: MFA2,
        totpSecret: TOTP2,
      },
    ],
    roles: [
      { roleArn: ROLE('Admin'), requireMfa: true },
      { roleArn: ROLE('Tagged'), requireMfa: true, requireSourceIdentity: 'alice', requireTags: { Team: 'infra' } },
      { roleArn: ROLE('WebCi'), requireMfa: false, webIdentityToken: JWT },
      { roleArn: ROLE('Deploy'), requireMfa: false },
      { roleArn: ROLE('FromEc2'), requireMfa: false },
      { roleArn: ROLE('FromEcs'), requireMfa: false },
    ],
  });
  instance = sts.mint('kinds', 6 * 3600);
  imds = await startImds({ roleName: 'instance-role', credentials: () => instance });
  tokenDir = await mkdtemp(join(tmpdir(), 'mfa-exec-token-'));
  await writeFile(join(tokenDir, 'token'), `${JWT}\n`);
  box = await makeSandbox({ backend: 'file', env: { TEST_TOTP_SECRET: TOTP } });
  box.env.AWS_ENDPOINT_URL_STS = sts.url;
  box.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
  await box.writeConfig(config());
  await box.writeCredentials(
    '[tmpcreds]\naws_access_key_id = ASIATEMP\naws_secret_access_key = s\naws_session_token = t\n',
  );
  await seedKey(box, 'user', { accessKeyId: KEY_ID, secretAccessKey: SECRET });
}, 60_000);

afterAll(async () => {
  await box?.cleanup();
  await imds?.close();
  await sts?.close();
  if (tokenDir) await rm(tokenDir, { recursive: true, force: true });
});

beforeEach(() => sts.resetCalls());

describe('web identity', () => {
  it('exec: AssumeRoleWithWebIdentity with the token file and role_session_name, unsigned; cached for the next run', async () => {
    const r = await box.run(['webid', '--', 'print-env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = envOf(r.stdout);
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(env.AWS_SESSION_TOKEN).toBeTruthy();
    expect(sts.assumed()).toEqual([
      expect.objectContaining({
        action: 'AssumeRoleWithWebIdentity',
        roleArn: ROLE('WebCi'),
        roleSessionName: 'ci-run',
        accessKeyId: '',
        status: 200,
      }),
    ]);
    expect(sts.calls[0]!.params.WebIdentityToken).toBe(JWT);
    const again = await box.run(['webid', '--', 'print-env']);
    expect(envOf(again.stdout).AWS_ACCESS_KEY_ID).toBe(env.AWS_ACCESS_KEY_ID);
    expect(sts.calls).toHaveLength(1);
  });

  it('a role chained on a web identity profile is assumed with the web identity credentials', async () => {
    await box.run(['clear']);
    const r = await box.run(['over_webid', '--', 'print-env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [web, role] = sts.assumed();
    expect(web).toMatchObject({ action: 'AssumeRoleWithWebIdentity', status: 200 });
    expect(role).toMatchObject({ action: 'AssumeRole', roleArn: ROLE('Deploy'), status: 200, tokenCode: false });
    expect(role!.accessKeyId).toMatch(/^ASIA/);
    expect(envOf(r.stdout).AWS_ACCESS_KEY_ID).not.toBe(role!.accessKeyId);
  });

  it('export --format json gives the web identity credentials', async () => {
    const r = await box.run(['export', 'webid', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
  });

  it('login signs in with the web identity credentials themselves (no stored key needed)', async () => {
    const fed = await startFakeFederation();
    try {
      const exported = JSON.parse((await box.run(['export', 'webid', '--format', 'json'])).stdout) as {
        AccessKeyId: string;
      };
      const r = await box.run(['login', 'webid', '--stdout'], { env: { MFA_EXEC_FEDERATION_URL: fed.url } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(fed.requests).toHaveLength(1);
      expect(JSON.stringify(fed.requests[0]!.params)).toContain(exported.AccessKeyId);
      expect(r.stdout).toContain(fed.signinToken);
    } finally {
      await fed.close();
    }
  });

  it('an unreadable token file is a one-line error naming the file', async () => {
    const other = join(tokenDir, 'config-missing-token');
    await writeFile(
      other,
      `[profile w]\nrole_arn = ${ROLE('WebCi')}\nweb_identity_token_file = ${join(tokenDir, 'nope')}\n`,
    );
    const bad = await box.run(['w', '--', 'true'], { env: { AWS_CONFIG_FILE: other } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^mfa-exec: profile "w": cannot read web_identity_token_file .*nope \(.*\)\n$/);
  });
});

describe('credential_source', () => {
  it('Ec2InstanceMetadata: IMDSv2 token PUT, then the role credentials GET with it; AssumeRole with them', async () => {
    imds.requests.length = 0;
    const r = await box.run(['ec2', '--', 'print-env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(imds.requests.map((q) => [q.method, q.path, q.authorized])).toEqual([
      ['PUT', '/latest/api/token', true],
      ['GET', '/latest/meta-data/iam/security-credentials/', true],
      ['GET', '/latest/meta-data/iam/security-credentials/instance-role', true],
    ]);
    expect(sts.assumed()).toEqual([
      expect.objectContaining({
        action: 'AssumeRole',
        roleArn: ROLE('FromEc2'),
        accessKeyId: instance.accessKeyId,
        status: 200,
      }),
    ]);
    expect(envOf(r.stdout).AWS_ACCESS_KEY_ID).not.toBe(instance.accessKeyId);
  });

  it('Ec2InstanceMetadata with a role chained on top: two AssumeRoles', async () => {
    const r = await box.run(['over_ec2', '--', 'print-env']);
    expect(r.code, r.stderr).toBe(0);
    expect(sts.assumed().map((a) => a.roleArn)).toEqual([ROLE('FromEc2'), ROLE('Deploy')]);
  });

  it('EcsContainer: the full URI with the authorization token', async () => {
    imds.requests.length = 0;
    const r = await box.run(['ecs', '--', 'print-env'], {
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${imds.url}/creds`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: imds.containerToken,
      },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(imds.requests).toEqual([{ method: 'GET', path: '/creds', authorized: true }]);
    expect(sts.assumed()).toEqual([
      expect.objectContaining({ roleArn: ROLE('FromEcs'), accessKeyId: instance.accessKeyId, status: 200 }),
    ]);
    // The child never sees the container variables mfa-exec read.
    expect(envOf(r.stdout).AWS_CONTAINER_AUTHORIZATION_TOKEN).toBeUndefined();
  });

  it('EcsContainer without its variables: a one-line error saying what is missing', async () => {
    const r = await box.run(['clear', 'ecs']);
    expect(r.code).toBe(0);
    const bad = await box.run(['ecs', '--', 'true']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^mfa-exec: credential_source EcsContainer of profile "ecs": neither .* is set \(.*\)\n$/,
    );
  });

  it('Environment: the key variables mfa-exec was started with, and the MFA code where mfa_serial says', async () => {
    const r = await box.run(['envsrc', '--', 'print-env'], {
      env: { AWS_ACCESS_KEY_ID: KEY_ID2, AWS_SECRET_ACCESS_KEY: SECRET2, TEST_TOTP_SECRET: TOTP2 },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sts.assumed()).toEqual([
      expect.objectContaining({
        roleArn: ROLE('Admin'),
        accessKeyId: KEY_ID2,
        serialNumber: MFA2,
        tokenCode: true,
        status: 200,
      }),
    ]);
    expect(sts.count('GetSessionToken')).toBe(0);
    expect(envOf(r.stdout).AWS_ACCESS_KEY_ID).not.toBe(KEY_ID2);
  });
});

describe('AssumeRole parameters and include_profile', () => {
  it('source_identity, session_tags and transitive_session_tags are sent (the role requires them)', async () => {
    const r = await box.run(['tagged', '--', 'print-env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sts.assumed()).toEqual([
      expect.objectContaining({
        roleArn: ROLE('Tagged'),
        sourceIdentity: 'alice',
        tags: [
          { key: 'Team', value: 'infra' },
          { key: 'Project', value: 'mfa-exec' },
        ],
        transitiveTagKeys: ['Team'],
        status: 200,
      }),
    ]);
  });

  it("include_profile: the included role, source and device, under the profile's own role_session_name", async () => {
    const r = await box.run(['include_me', '--', 'print-env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sts.assumed()).toEqual([
      expect.objectContaining({ roleArn: ROLE('Admin'), roleSessionName: 'included', status: 200 }),
    ]);
  });

  it('temporary credentials in the credentials file as a base: a one-line error naming aws_session_token', async () => {
    const r = await box.run(['tmp', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mfa-exec: profile "tmpcreds" holds temporary credentials \(aws_session_token\).*\n$/);
    expect(sts.calls).toEqual([]);
  });
});

describe('STS errors, translated once in the STS adapter', () => {
  it('ExpiredToken on credentials a credential_process printed names that profile and says to refresh them', async () => {
    const stale = sts.mint('kinds', 1);
    const script = join(tokenDir, 'stale-creds');
    const json = JSON.stringify({
      Version: 1,
      AccessKeyId: stale.accessKeyId,
      SecretAccessKey: stale.secretAccessKey,
      SessionToken: stale.sessionToken,
      Expiration: new Date(Date.now() + 3600_000).toISOString(),
    });
    await writeFile(script, `#!/bin/sh\necho '${json}'\n`, { mode: 0o755 });
    const cfg = join(tokenDir, 'config-stale');
    await writeFile(
      cfg,
      `[profile proc]\ncredential_process = ${script}\n[profile over_proc]\nrole_arn = ${ROLE('Deploy')}\nsource_profile = proc\n`,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const r = await box.run(['over_proc', '--', 'true'], { env: { AWS_CONFIG_FILE: cfg } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'mfa-exec: AWS refused the credentials of profile "proc" as expired (its credential_process printed expired credentials: refresh them (e.g. sign in again) and retry)\n',
    );
  });
});

describe('every command knows every kind', () => {
  it('list --json names each kind', async () => {
    const r = await box.run(['list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const kinds = Object.fromEntries(
      (JSON.parse(r.stdout) as { profile: string; kind: string }[]).map((p) => [p.profile, p.kind]),
    );
    expect(kinds).toMatchObject({
      user: 'key',
      tagged: 'role',
      include_me: 'role',
      webid: 'web-identity',
      over_webid: 'role',
      ec2: 'credential-source',
      ecs: 'credential-source',
      envsrc: 'credential-source',
      sso: 'sso',
    });
    const table = await box.run(['list']);
    expect(table.stdout).toMatch(/^webid +web-identity /m);
  });

  it('an SSO profile is never told to add a key: exec and doctor say what it is', async () => {
    const r = await box.run(['sso', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).not.toContain('mfa-exec add');
    const d = await box.run(['doctor', 'sso']);
    expect(d.stdout).toContain('IAM Identity Center');
    expect(d.stdout).not.toContain('mfa-exec add');
  });

  it('doctor checks the token file of a web identity profile and the source of a credential_source one', async () => {
    const w = await box.run(['doctor', 'webid']);
    expect(w.stdout).toMatch(/ok +config +profile "webid" resolves: webid \(web identity token .*token for .*WebCi\)/);
    expect(w.stdout).toMatch(/ok +token file +.*token holds a token/);
    expect(w.stdout).not.toContain('stored key');
    const e = await box.run(['doctor', 'ec2']);
    expect(e.stdout).toMatch(/ok +credential source +Ec2InstanceMetadata gives credentials \(key …/);
    expect(e.stdout).not.toContain(instance.accessKeyId);
    const bad = await box.run(['doctor', 'ecs']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL +credential source/);
  });
});

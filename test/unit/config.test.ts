import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  getProfile,
  profileKind,
  profileNames,
  resolveChain,
  resolveEndpoint,
  resolveRegion,
} from '../../src/core/config.js';
import { thrown } from '../support/failure.js';
import { parseTexts } from '../support/aws-texts.js';

const fixtures = join(import.meta.dirname, '../support/fixtures/configs');
const ROLE = (n: string) => `arn:aws:iam::123456789012:role/${n}`;
const MFA = 'arn:aws:iam::123456789012:mfa/alice';

describe('getProfile and profileNames', () => {
  it('types the contract example', () => {
    const f = parseTexts(readFileSync(join(fixtures, 'contract.config'), 'utf8'));
    expect(profileNames(f)).toEqual(['test', 'test_iam_user']);
    expect(getProfile(f, 'test')).toEqual({
      name: 'test',
      roleArn: ROLE('CREATED_ROLE'),
      sourceProfile: 'test_iam_user',
      mfaSerial: 'arn:aws:iam::123456789012:mfa/CREATED_MFA',
      region: 'ap-northeast-1',
      hasFileKey: false,
    });
  });

  it('reads every honoured key', () => {
    const f = parseTexts(
      `[profile all]\nrole_arn = ${ROLE('r')}\nsource_profile = b\nmfa_serial = ${MFA}\nregion = eu-west-1\nduration_seconds = 7200\nrole_session_name = me\nexternal_id = ext\nmfa_process = pass otp aws\ncredential_process = /bin/creds\nendpoint_url = http://127.0.0.1:1\nservices = local\nignore_configured_endpoint_urls = false\n`,
      '[all]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n',
    );
    expect(getProfile(f, 'all')).toEqual({
      name: 'all',
      roleArn: ROLE('r'),
      sourceProfile: 'b',
      mfaSerial: MFA,
      region: 'eu-west-1',
      durationSeconds: 7200,
      roleSessionName: 'me',
      externalId: 'ext',
      mfaProcess: 'pass otp aws',
      credentialProcess: '/bin/creds',
      endpointUrl: 'http://127.0.0.1:1',
      servicesSection: 'local',
      ignoreConfiguredEndpointUrls: false,
      hasFileKey: true,
    });
  });

  it('needs both key lines for hasFileKey', () => {
    expect(getProfile(parseTexts('', '[a]\naws_access_key_id = AKIAEXAMPLE\n'), 'a').hasFileKey).toBe(false);
  });

  it('suggests the nearest name for a typo', () => {
    const e = thrown(() => getProfile(parseTexts('[profile prod]\n[profile dev]\n'), 'prdo'));
    expect(e.kind).toBe('profile-not-found');
    expect(e.message).toBe('profile "prdo" not found in ~/.aws/config');
    expect(e.hint).toBe('did you mean "prod"?');
  });

  it('suggests a name the input is a prefix of', () => {
    expect(thrown(() => getProfile(parseTexts('[profile production-eu]\n'), 'production')).hint).toBe(
      'did you mean "production-eu"?',
    );
  });

  it('suggests nothing far away, and explains [NAME] without "profile " in config', () => {
    const e = thrown(() => getProfile(parseTexts('[profile alpha]\n[staging]\nregion = x\n'), 'staging'));
    expect(e.hint).toBe(
      '~/.aws/config:2 has [staging], which AWS tools ignore there: write [profile staging] in the config file, [staging] in the credentials file',
    );
    expect(thrown(() => getProfile(parseTexts('[profile alpha]\n'), 'zzz')).hint).toBe(
      'add [profile zzz] to ~/.aws/config',
    );
  });

  it('does not find names of Object.prototype', () => {
    expect(thrown(() => getProfile(parseTexts('[profile a]\n'), 'constructor')).kind).toBe('profile-not-found');
  });

  it.each([
    [
      'role_arn = arn:aws:iam::123:role/x',
      'profile "p": role_arn "arn:aws:iam::123:role/x" is not a role ARN (arn:aws:iam::123456789012:role/NAME)',
    ],
    ['role_arn = arn:aws:iam::123456789012:user/x', /role_arn .* is not a role ARN/],
    ['mfa_serial = arn:aws:iam::123:mfa/x', /mfa_serial .* is not an MFA device/],
    ['mfa_serial = short', /mfa_serial "short" is not an MFA device/],
    [
      'duration_seconds = 899',
      'profile "p": duration_seconds "899" is not a whole number of seconds from 900 to 43200',
    ],
    ['duration_seconds = 43201', /duration_seconds/],
    ['duration_seconds = 3600.5', /duration_seconds/],
    ['duration_seconds = 1h', /duration_seconds/],
    ['ignore_configured_endpoint_urls = yes', /ignore_configured_endpoint_urls "yes" is not true or false/],
  ])('rejects %s', (line, message) => {
    const e = thrown(() => getProfile(parseTexts(`[profile p]\n${line}\n`), 'p'));
    expect(e.kind).toBe('config');
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
    expect(e.hint).toBe('fix ' + line.split(' ')[0] + ' of [profile p] in ~/.aws/config');
  });

  it.each([
    `arn:aws:iam::123456789012:mfa/path/alice`,
    `arn:aws-us-gov:iam::123456789012:mfa/alice`,
    `arn:aws:iam::123456789012:u2f/user/alice/default-ABCDEFGHIJKLMNOPQRSTUVWXYZ`,
    'GAHT12345678',
    'ABCD12345678901',
  ])('accepts mfa_serial %s', (serial) => {
    expect(getProfile(parseTexts(`[profile p]\nmfa_serial = ${serial}\n`), 'p').mfaSerial).toBe(serial);
  });

  it('accepts the duration bounds', () => {
    expect(getProfile(parseTexts('[profile p]\nduration_seconds = 900\n'), 'p').durationSeconds).toBe(900);
    expect(getProfile(parseTexts('[profile p]\nduration_seconds = 43200\n'), 'p').durationSeconds).toBe(43200);
  });
});

describe('resolveChain', () => {
  it('resolves the contract example: one role on a stored key, MFA from the role profile', () => {
    const f = parseTexts(readFileSync(join(fixtures, 'contract.config'), 'utf8'));
    expect(resolveChain(f, 'test')).toEqual({
      profile: 'test',
      base: { profile: 'test_iam_user', kind: 'key' },
      roles: [
        { profile: 'test', roleArn: ROLE('CREATED_ROLE'), mfaSerial: 'arn:aws:iam::123456789012:mfa/CREATED_MFA' },
      ],
      mfaSerial: 'arn:aws:iam::123456789012:mfa/CREATED_MFA',
      region: 'ap-northeast-1',
    });
  });

  it('gives a profile without role_arn no roles (it gets the MFA session itself)', () => {
    expect(resolveChain(parseTexts(`[profile user]\nmfa_serial = ${MFA}\n`), 'user')).toEqual({
      profile: 'user',
      base: { profile: 'user', kind: 'key' },
      roles: [],
      mfaSerial: MFA,
    });
  });

  it('resolves a 4-deep chain, roles in the order they are assumed, MFA and mfa_process inherited from the base', () => {
    const f = parseTexts(
      [
        `[profile d]\nrole_arn = ${ROLE('D')}\nsource_profile = c\nregion = eu-west-3\nduration_seconds = 900`,
        `[profile c]\nrole_arn = ${ROLE('C')}\nsource_profile = b\nexternal_id = ext-c\nregion = us-east-1`,
        `[profile b]\nrole_arn = ${ROLE('B')}\nsource_profile = a\nrole_session_name = sess-b`,
        `[profile a]\nmfa_serial = ${MFA}\nmfa_process = echo 123456`,
      ].join('\n') + '\n',
    );
    expect(resolveChain(f, 'd')).toEqual({
      profile: 'd',
      base: { profile: 'a', kind: 'key' },
      roles: [
        { profile: 'b', roleArn: ROLE('B'), roleSessionName: 'sess-b' },
        { profile: 'c', roleArn: ROLE('C'), externalId: 'ext-c' },
        { profile: 'd', roleArn: ROLE('D'), durationSeconds: 900 },
      ],
      mfaSerial: MFA,
      mfaProcess: 'echo 123456',
      region: 'eu-west-3',
    });
  });

  it('takes the MFA device nearest the named profile', () => {
    const other = 'arn:aws:iam::123456789012:mfa/other';
    const f = parseTexts(
      `[profile r2]\nrole_arn = ${ROLE('2')}\nsource_profile = r1\n[profile r1]\nrole_arn = ${ROLE('1')}\nsource_profile = u\nmfa_serial = ${other}\n[profile u]\nmfa_serial = ${MFA}\n`,
    );
    const chain = resolveChain(f, 'r2');
    expect(chain.mfaSerial).toBe(other);
    expect(chain.roles.map((r) => r.mfaSerial)).toEqual([other, undefined]);
  });

  it('names a source_profile cycle', () => {
    const f = parseTexts(
      `[profile x]\nrole_arn = ${ROLE('x')}\nsource_profile = a\n[profile a]\nrole_arn = ${ROLE('a')}\nsource_profile = b\n[profile b]\nrole_arn = ${ROLE('b')}\nsource_profile = a\n`,
    );
    const e = thrown(() => resolveChain(f, 'x'));
    expect(e.kind).toBe('config');
    expect(e.message).toBe('profile "x": source_profile cycle a → b → a');
    expect(thrown(() => resolveChain(f, 'a')).message).toBe('profile "a": source_profile cycle a → b → a');
  });

  it('treats source_profile = itself as "assume my role with my own key", as the SDK', () => {
    const f = parseTexts(
      `[profile self]\nrole_arn = ${ROLE('self')}\nsource_profile = self\n`,
      '[self]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n',
    );
    expect(resolveChain(f, 'self')).toMatchObject({
      base: { profile: 'self', kind: 'key' },
      roles: [{ profile: 'self', roleArn: ROLE('self') }],
    });
    const noKey = parseTexts(`[profile self]\nrole_arn = ${ROLE('self')}\nsource_profile = self\n`);
    expect(thrown(() => resolveChain(noKey, 'self')).message).toBe('profile "self": source_profile cycle self → self');
  });

  it("uses a source with role_arn and a key in the files as the key holder, but assumes the named profile's own role", () => {
    const f = parseTexts(
      `[profile top]\nrole_arn = ${ROLE('top')}\nsource_profile = both\n[profile both]\nrole_arn = ${ROLE('both')}\nsource_profile = nowhere\n`,
      '[both]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n',
    );
    expect(resolveChain(f, 'top')).toMatchObject({
      base: { profile: 'both', kind: 'key' },
      roles: [{ profile: 'top' }],
    });
    // named itself, it is a role profile, so its (missing) source matters
    expect(thrown(() => resolveChain(f, 'both')).kind).toBe('profile-not-found');
  });

  it('uses credential_process on the base', () => {
    const f = parseTexts(
      `[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = p\n[profile p]\ncredential_process = /usr/bin/get-creds --json\n`,
    );
    expect(resolveChain(f, 'r').base).toEqual({
      profile: 'p',
      kind: 'credential-process',
      command: '/usr/bin/get-creds --json',
    });
  });

  it('rejects role_arn without source_profile', () => {
    const e = thrown(() => resolveChain(parseTexts(`[profile r]\nrole_arn = ${ROLE('r')}\n`), 'r'));
    expect(e.kind).toBe('config');
    expect(e.message).toBe('profile "r" has role_arn but no source_profile');
  });

  it('reports a missing source_profile as profile-not-found, with did-you-mean', () => {
    const e = thrown(() =>
      resolveChain(parseTexts(`[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = usr\n[profile user]\n`), 'r'),
    );
    expect(e.kind).toBe('profile-not-found');
    expect(e.message).toBe('profile "usr" not found in ~/.aws/config (source_profile of "r")');
    expect(e.hint).toBe('did you mean "user"?');
  });

  it('validates every profile on the chain', () => {
    const f = parseTexts(
      `[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = m\n[profile m]\nrole_arn = ${ROLE('m')}\nsource_profile = u\nduration_seconds = 60\n[profile u]\n`,
    );
    expect(thrown(() => resolveChain(f, 'r')).message).toMatch(/profile "m": duration_seconds "60"/);
  });
});

describe('every kind of profile', () => {
  const SSO = `[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n`;
  const ALL = [
    `[profile user]\nmfa_serial = ${MFA}`,
    `[profile role]\nrole_arn = ${ROLE('r')}\nsource_profile = user`,
    `[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev`,
    `[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Dev`,
    `[profile webid]\nrole_arn = ${ROLE('ci')}\nweb_identity_token_file = /var/run/token\nrole_session_name = ci-run`,
    `[profile proc]\ncredential_process = /bin/creds`,
    `[profile ec2]\nrole_arn = ${ROLE('ec2')}\ncredential_source = Ec2InstanceMetadata\nmfa_serial = ${MFA}`,
    `[profile over-sso]\nrole_arn = ${ROLE('admin')}\nsource_profile = sso\nmfa_serial = ${MFA}`,
    `[profile over-webid]\nrole_arn = ${ROLE('deploy')}\nsource_profile = webid`,
    SSO,
  ].join('\n');

  it('names the kind of each profile as list --json does', () => {
    const f = parseTexts(ALL);
    const kinds = Object.fromEntries(profileNames(f).map((n) => [n, profileKind(getProfile(f, n))]));
    expect(kinds).toEqual({
      user: 'key',
      role: 'role',
      sso: 'sso',
      legacy: 'sso',
      webid: 'web-identity',
      proc: 'credential-process',
      ec2: 'credential-source',
      'over-sso': 'role',
      'over-webid': 'role',
    });
  });

  it('an SSO profile with sso_session takes the start URL, region and scopes of its [sso-session] section', () => {
    expect(resolveChain(parseTexts(ALL), 'sso')).toEqual({
      profile: 'sso',
      base: {
        kind: 'sso',
        profile: 'sso',
        sso: {
          session: 'corp',
          startUrl: 'https://corp.awsapps.com/start',
          region: 'eu-west-1',
          accountId: '111122223333',
          roleName: 'Dev',
          registrationScopes: 'sso:account:access',
        },
      },
      roles: [],
    });
    expect(resolveChain(parseTexts(ALL), 'legacy').base).toEqual({
      kind: 'sso',
      profile: 'legacy',
      sso: {
        startUrl: 'https://old.awsapps.com/start',
        region: 'us-east-1',
        accountId: '111122223333',
        roleName: 'Dev',
      },
    });
  });

  it('a role over an SSO profile assumes the role with MFA from the role profile', () => {
    const c = resolveChain(parseTexts(ALL), 'over-sso');
    expect(c.base.kind).toBe('sso');
    expect(c.roles).toEqual([{ profile: 'over-sso', roleArn: ROLE('admin'), mfaSerial: MFA }]);
    expect(c.mfaSerial).toBe(MFA);
  });

  it('a web identity profile is a base of its own; a role can sit on it', () => {
    expect(resolveChain(parseTexts(ALL), 'webid')).toEqual({
      profile: 'webid',
      base: {
        kind: 'web-identity',
        profile: 'webid',
        webIdentity: { roleArn: ROLE('ci'), tokenFile: '/var/run/token', roleSessionName: 'ci-run' },
      },
      roles: [],
    });
    const over = resolveChain(parseTexts(ALL), 'over-webid');
    expect(over.base.kind).toBe('web-identity');
    expect(over.roles.map((r) => r.roleArn)).toEqual([ROLE('deploy')]);
  });

  it("credential_source is the base of the profile's own role", () => {
    expect(resolveChain(parseTexts(ALL), 'ec2')).toEqual({
      profile: 'ec2',
      base: { kind: 'credential-source', profile: 'ec2', source: 'Ec2InstanceMetadata' },
      roles: [{ profile: 'ec2', roleArn: ROLE('ec2'), mfaSerial: MFA }],
      mfaSerial: MFA,
    });
  });

  it.each([
    ['credential_source = Nowhere', `role_arn = ${ROLE('x')}\ncredential_source = Nowhere`, 'credential_source'],
    ['sso without sso_role_name', 'sso_session = corp\nsso_account_id = 111122223333', 'sso_role_name'],
    [
      'sso without sso_account_id',
      'sso_start_url = https://x\nsso_region = eu-west-1\nsso_role_name = R',
      'sso_account_id',
    ],
    [
      'sso without sso_region',
      'sso_start_url = https://x\nsso_account_id = 111122223333\nsso_role_name = R',
      'sso_region',
    ],
    ['sso_session without its section', 'sso_session = nope\nsso_account_id = 1\nsso_role_name = R', 'sso_session'],
    [
      'sso_start_url other than the session',
      'sso_session = corp\nsso_start_url = https://other\nsso_account_id = 1\nsso_role_name = R',
      'sso_start_url',
    ],
    ['web_identity_token_file without role_arn', 'web_identity_token_file = /t', 'role_arn'],
    ['login_session (aws login)', 'login_session = arn:aws:iam::1:user/x', 'login_session'],
    [
      'web_identity_token_process (aws-vault)',
      `role_arn = ${ROLE('x')}\nweb_identity_token_process = oidc raw`,
      'web_identity_token_process',
    ],
    ['session_tags without =', `role_arn = ${ROLE('x')}\nsource_profile = user\nsession_tags = Team`, 'session_tags'],
  ])('%s: a one-line config error naming the key', (_, body, key) => {
    const e = thrown(() => resolveChain(parseTexts(`${ALL}\n[profile bad]\n${body}\n`), 'bad'));
    expect(e.kind).toBe('config');
    expect(e.message).toContain(key);
    expect(e.message).not.toContain('\n');
    expect(e.hint).toBeTruthy();
  });

  it('source_identity, session_tags and transitive_session_tags go on the role step', () => {
    const c = resolveChain(
      parseTexts(
        `${ALL}\n[profile tagged]\nrole_arn = ${ROLE('t')}\nsource_profile = user\nsource_identity = alice\nsession_tags = Team = infra , Project=mfa=exec\ntransitive_session_tags = Team, Project\n`,
      ),
      'tagged',
    );
    expect(c.roles[0]).toMatchObject({
      sourceIdentity: 'alice',
      tags: [
        { key: 'Team', value: 'infra' },
        { key: 'Project', value: 'mfa=exec' },
      ],
      transitiveTagKeys: ['Team', 'Project'],
    });
  });
});

describe('include_profile (as aws-vault)', () => {
  const BASE = `[profile test_iam_user]\nregion = eu-west-1\n[profile test]\nrole_arn = ${ROLE('t')}\nsource_profile = test_iam_user\nmfa_serial = ${MFA}\nregion = ap-northeast-1\n`;

  it("merges the included profile's keys under the profile's own", () => {
    const f = parseTexts(
      `${BASE}[profile include_me]\ninclude_profile = test\nregion = us-west-2\nrole_session_name = me\n`,
    );
    expect(getProfile(f, 'include_me')).toMatchObject({
      roleArn: ROLE('t'),
      sourceProfile: 'test_iam_user',
      mfaSerial: MFA,
      region: 'us-west-2',
      roleSessionName: 'me',
    });
    const c = resolveChain(f, 'include_me');
    expect(c.base).toEqual({ kind: 'key', profile: 'test_iam_user' });
    expect(c.roles).toEqual([{ profile: 'include_me', roleArn: ROLE('t'), mfaSerial: MFA, roleSessionName: 'me' }]);
  });

  it('follows includes of includes, and never lends the key pair of the included profile', () => {
    const f = parseTexts(
      `${BASE}[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = test\nexternal_id = from-b\n`,
      '[test]\naws_access_key_id = A\naws_secret_access_key = B\n',
    );
    expect(getProfile(f, 'a')).toMatchObject({ roleArn: ROLE('t'), externalId: 'from-b', hasFileKey: false });
  });

  it('names a missing include and a cycle', () => {
    expect(thrown(() => getProfile(parseTexts(`[profile a]\ninclude_profile = nope\n`), 'a')).message).toContain(
      'include_profile "nope" not found',
    );
    expect(
      thrown(() => getProfile(parseTexts(`[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n`), 'a'))
        .message,
    ).toContain('include_profile cycle');
  });
});

describe('resolveRegion', () => {
  const profile = { name: 'p', region: 'from-profile', hasFileKey: false };
  it('prefers --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile', () => {
    const env = { AWS_REGION: 'from-env', AWS_DEFAULT_REGION: 'from-default' };
    expect(resolveRegion({ flag: 'from-flag', env, profile })).toBe('from-flag');
    expect(resolveRegion({ env, profile })).toBe('from-env');
    expect(resolveRegion({ env: { AWS_DEFAULT_REGION: 'from-default' }, profile })).toBe('from-default');
    expect(resolveRegion({ env: { AWS_REGION: '' }, profile })).toBe('from-profile');
    expect(resolveRegion({ env: {} })).toBeUndefined();
  });

  it('does not take the region of a source profile', () => {
    const f = parseTexts(`[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = u\n[profile u]\nregion = eu-west-1\n`);
    expect(resolveRegion({ env: {}, profile: getProfile(f, 'r') })).toBeUndefined();
    expect(resolveChain(f, 'r').region).toBeUndefined();
  });
});

describe('resolveEndpoint', () => {
  const f = parseTexts(readFileSync(join(fixtures, 'crlf-nested.config'), 'utf8'));
  const local = getProfile(f, 'local');

  it('follows the service-specific endpoint precedence', () => {
    const all = { AWS_ENDPOINT_URL_STS: 'http://sts-env', AWS_ENDPOINT_URL: 'http://global-env' };
    expect(resolveEndpoint('sts', { env: all, profile: local, files: f })).toBe('http://sts-env');
    expect(resolveEndpoint('iam', { env: all, profile: local, files: f })).toBe('http://global-env');
    expect(resolveEndpoint('iam', { env: { AWS_ENDPOINT_URL_IAM: 'http://iam-env' }, profile: local, files: f })).toBe(
      'http://iam-env',
    );
    expect(resolveEndpoint('sts', { env: {}, profile: local, files: f })).toBe('http://127.0.0.1:5000');
    expect(resolveEndpoint('iam', { env: {}, profile: local, files: f })).toBe('http://127.0.0.1:5001');
    const noServices = { ...local, servicesSection: undefined };
    expect(resolveEndpoint('sts', { env: {}, profile: noServices, files: f })).toBe('http://127.0.0.1:4566');
    expect(resolveEndpoint('sts', { env: {}, profile: getProfile(f, 'default'), files: f })).toBeUndefined();
    expect(resolveEndpoint('sts', { env: { AWS_ENDPOINT_URL: 'http://g' }, files: f })).toBe('http://g');
  });

  it('falls back to endpoint_url when the services section has no entry for the service', () => {
    const g = parseTexts(
      '[profile p]\nservices = s\nendpoint_url = http://profile\n[services s]\ns3 =\n  endpoint_url = http://s3\n',
    );
    expect(resolveEndpoint('sts', { env: {}, profile: getProfile(g, 'p'), files: g })).toBe('http://profile');
  });

  it('ignores every configured endpoint when told to, the variable first', () => {
    const env = { AWS_ENDPOINT_URL_STS: 'http://sts-env', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };
    expect(resolveEndpoint('sts', { env, profile: local, files: f })).toBeUndefined();
    const ignoring = { ...local, ignoreConfiguredEndpointUrls: true };
    expect(resolveEndpoint('sts', { env: {}, profile: ignoring, files: f })).toBeUndefined();
    expect(
      resolveEndpoint('sts', { env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' }, profile: ignoring, files: f }),
    ).toBe('http://127.0.0.1:5000');
    expect(
      thrown(() =>
        resolveEndpoint('sts', { env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: '1' }, profile: local, files: f }),
      ).kind,
    ).toBe('config');
  });

  it('fails on a services section that does not exist, as the SDK', () => {
    const g = parseTexts('[profile p]\nservices = missing\n');
    expect(thrown(() => resolveEndpoint('sts', { env: {}, profile: getProfile(g, 'p'), files: g })).message).toBe(
      'profile "p": services section "missing" not found in ~/.aws/config',
    );
  });
});

describe('parsing decisions, exactly', () => {
  const KEY = '[k]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n';

  it('sets only the keys a profile has (no key present with an undefined value)', () => {
    const f = parseTexts(readFileSync(join(fixtures, 'contract.config'), 'utf8'));
    expect(getProfile(f, 'test')).toStrictEqual({
      name: 'test',
      roleArn: ROLE('CREATED_ROLE'),
      sourceProfile: 'test_iam_user',
      mfaSerial: 'arn:aws:iam::123456789012:mfa/CREATED_MFA',
      region: 'ap-northeast-1',
      hasFileKey: false,
    });
  });

  it('needs the access key id too for hasFileKey', () => {
    expect(getProfile(parseTexts('', '[a]\naws_secret_access_key = s\n'), 'a').hasFileKey).toBe(false);
  });

  it('reads ignore_configured_endpoint_urls = true', () => {
    expect(
      getProfile(parseTexts('[profile p]\nignore_configured_endpoint_urls = true\n'), 'p').ignoreConfiguredEndpointUrls,
    ).toBe(true);
  });

  it('points the messages of [default] at [default]', () => {
    const e = thrown(() => getProfile(parseTexts('[default]\nrole_arn = nope\n'), 'default'));
    expect(e.hint).toBe('fix role_arn of [default] in ~/.aws/config');
    expect(thrown(() => getProfile(parseTexts('[default]\ninclude_profile = nope\n'), 'default')).hint).toBe(
      'add [profile nope] or fix include_profile of [default]',
    );
  });

  it.each([
    [
      'credential_source = Nowhere',
      'profile "p": credential_source "Nowhere" is not one of Environment, Ec2InstanceMetadata, EcsContainer',
    ],
    [
      'session_tags = Team=a,=infra',
      'profile "p": session_tags "Team=a,=infra" is not a list of Key=Value pairs separated by commas',
    ],
    ['session_tags = Team', 'profile "p": session_tags "Team" is not a list of Key=Value pairs separated by commas'],
    [
      'transitive_session_tags = Team, ',
      'profile "p": transitive_session_tags "Team," is not a list of tag keys separated by commas',
    ],
  ])('rejects %s with its message', (line, message) => {
    const e = thrown(() => getProfile(parseTexts(`[profile p]\n${line}\n`), 'p'));
    expect(e.kind).toBe('config');
    expect(e.message).toBe(message);
    expect(e.hint).toBe('fix ' + line.split(' ')[0] + ' of [profile p] in ~/.aws/config');
  });

  it('names the kind a key in the files gives, before every other kind of base', () => {
    const f = parseTexts('[profile k]\ncredential_process = /bin/creds\n', KEY);
    expect(profileKind(getProfile(f, 'k'))).toBe('key');
    expect(resolveChain(f, 'k').base).toStrictEqual({ kind: 'key', profile: 'k' });
  });

  it('a role with both or neither of source_profile and credential_source is a "role" for list', () => {
    const both = parseTexts(
      `[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = u\ncredential_source = Environment\n`,
    );
    expect(profileKind(getProfile(both, 'r'))).toBe('role');
    const neither = parseTexts(`[profile r]\nrole_arn = ${ROLE('r')}\n`);
    expect(profileKind(getProfile(neither, 'r'))).toBe('role');
  });
});

describe('include_profile errors, exactly', () => {
  it('names a cycle with its path, and an include of itself', () => {
    const e = thrown(() =>
      getProfile(parseTexts(`[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n`), 'a'),
    );
    expect(e.kind).toBe('config');
    expect(e.message).toBe('profile "b": include_profile cycle a → b → a');
    expect(e.hint).toBe('remove one include_profile in ~/.aws/config');
    expect(thrown(() => getProfile(parseTexts(`[profile a]\ninclude_profile = a\n`), 'a')).message).toBe(
      'profile "a": include_profile cycle a → a',
    );
  });

  it('names a missing include', () => {
    const e = thrown(() => getProfile(parseTexts(`[profile a]\ninclude_profile = nope\n`), 'a'));
    expect(e.kind).toBe('config');
    expect(e.message).toBe('profile "a": include_profile "nope" not found in ~/.aws/config');
    expect(e.hint).toBe('add [profile nope] or fix include_profile of [profile a]');
  });
});

describe('SSO settings, exactly', () => {
  const SESSION = (body: string) => `[sso-session corp]\n${body}\n`;
  const PROFILE = `[profile s]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n`;

  it('accepts a profile repeating the values of its session', () => {
    const f = parseTexts(
      `${PROFILE}sso_start_url = https://corp/start\nsso_region = eu-west-1\n${SESSION('sso_start_url = https://corp/start\nsso_region = eu-west-1')}`,
    );
    expect(getProfile(f, 's').sso).toStrictEqual({
      session: 'corp',
      startUrl: 'https://corp/start',
      region: 'eu-west-1',
      accountId: '111122223333',
      roleName: 'Dev',
    });
  });

  it('refuses a profile sso_region other than the session one', () => {
    const f = parseTexts(
      `${PROFILE}sso_region = us-east-1\n${SESSION('sso_start_url = https://corp/start\nsso_region = eu-west-1')}`,
    );
    const e = thrown(() => getProfile(f, 's'));
    expect(e.message).toBe('profile "s": sso_region differs from the one of [sso-session corp]');
    expect(e.hint).toBe('remove sso_region from [profile s]');
  });

  it.each([
    ['sso_region = eu-west-1', 'sso_start_url', ''],
    ['sso_start_url = https://corp/start', 'sso_region', ''],
    ['sso_start_url = https://corp/start', 'sso_region', 'sso_region = eu-west-1\n'],
  ])('a session [%s] without %s is an error pointing at the session, whatever the profile says', (body, key, own) => {
    const e = thrown(() => getProfile(parseTexts(`${PROFILE}${own}${SESSION(body)}`), 's'));
    expect(e.kind).toBe('config');
    expect(e.message).toBe(`profile "s" is an IAM Identity Center (SSO) profile without ${key}`);
    expect(e.hint).toBe(`add ${key} to [sso-session corp] in ~/.aws/config`);
  });

  it('a profile with neither sso_session nor sso_start_url names both', () => {
    const e = thrown(() =>
      getProfile(parseTexts('[profile s]\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = R\n'), 's'),
    );
    expect(e.message).toBe(
      'profile "s" is an IAM Identity Center (SSO) profile without sso_session (or sso_start_url)',
    );
    expect(e.hint).toBe('add sso_session (or sso_start_url) to [profile s] in ~/.aws/config');
  });

  it('a legacy profile has neither session nor scopes', () => {
    const f = parseTexts(
      '[profile l]\nsso_start_url = https://old/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n',
    );
    expect(getProfile(f, 'l').sso).toStrictEqual({
      startUrl: 'https://old/start',
      region: 'us-east-1',
      accountId: '1',
      roleName: 'R',
    });
  });
});

describe('resolveChain, exactly', () => {
  it('sets only the fields each role step and the chain have', () => {
    const f = parseTexts(
      [
        `[profile d]\nrole_arn = ${ROLE('D')}\nsource_profile = c\nregion = eu-west-3\nduration_seconds = 900`,
        `[profile c]\nrole_arn = ${ROLE('C')}\nsource_profile = b\nexternal_id = ext-c\nmfa_serial = ${MFA}`,
        `[profile b]\nrole_arn = ${ROLE('B')}\nsource_profile = a\nrole_session_name = sess-b`,
        `[profile a]\nregion = us-east-1`,
      ].join('\n') + '\n',
    );
    expect(resolveChain(f, 'd')).toStrictEqual({
      profile: 'd',
      base: { profile: 'a', kind: 'key' },
      roles: [
        { profile: 'b', roleArn: ROLE('B'), roleSessionName: 'sess-b' },
        { profile: 'c', roleArn: ROLE('C'), externalId: 'ext-c', mfaSerial: MFA },
        { profile: 'd', roleArn: ROLE('D'), durationSeconds: 900 },
      ],
      mfaSerial: MFA,
      region: 'eu-west-3',
    });
    expect(resolveChain(f, 'a')).toStrictEqual({
      profile: 'a',
      base: { profile: 'a', kind: 'key' },
      roles: [],
      region: 'us-east-1',
    });
    const bare = parseTexts(
      `[profile u]\nmfa_process = echo 1\n[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = u\nsource_identity = me\n`,
    );
    expect(resolveChain(bare, 'r')).toStrictEqual({
      profile: 'r',
      base: { profile: 'u', kind: 'key' },
      roles: [{ profile: 'r', roleArn: ROLE('r'), sourceIdentity: 'me' }],
      mfaProcess: 'echo 1',
    });
    const tagged = parseTexts(
      `[profile u]\n[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = u\nsession_tags = T=1\ntransitive_session_tags = T\n`,
    );
    expect(resolveChain(tagged, 'r').roles).toStrictEqual([
      { profile: 'r', roleArn: ROLE('r'), tags: [{ key: 'T', value: '1' }], transitiveTagKeys: ['T'] },
    ]);
  });

  it('gives a web identity base its duration, and only the settings it has', () => {
    const f = parseTexts(
      `[profile w]\nrole_arn = ${ROLE('ci')}\nweb_identity_token_file = /t\nduration_seconds = 3600\n`,
    );
    expect(resolveChain(f, 'w').base).toStrictEqual({
      kind: 'web-identity',
      profile: 'w',
      webIdentity: { roleArn: ROLE('ci'), tokenFile: '/t', durationSeconds: 3600 },
    });
    const named = parseTexts(
      `[profile w]\nrole_arn = ${ROLE('ci')}\nweb_identity_token_file = /t\nrole_session_name = ci\n`,
    );
    expect(resolveChain(named, 'w').base).toStrictEqual({
      kind: 'web-identity',
      profile: 'w',
      webIdentity: { roleArn: ROLE('ci'), tokenFile: '/t', roleSessionName: 'ci' },
    });
  });

  it('hints at a source_profile cycle', () => {
    const f = parseTexts(
      `[profile a]\nrole_arn = ${ROLE('a')}\nsource_profile = b\n[profile b]\nrole_arn = ${ROLE('b')}\nsource_profile = a\n`,
    );
    expect(thrown(() => resolveChain(f, 'a')).hint).toBe(
      'end the chain at a profile without role_arn in ~/.aws/config',
    );
  });

  it('refuses a role with both source_profile and credential_source', () => {
    const f = parseTexts(
      `[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = u\ncredential_source = Environment\n[profile u]\n`,
    );
    const e = thrown(() => resolveChain(f, 'r'));
    expect(e.kind).toBe('config');
    expect(e.message).toBe('profile "r" has both source_profile and credential_source');
    expect(e.hint).toBe('keep only one of them in ~/.aws/config');
  });

  it('hints at what a role without a source needs', () => {
    const e = thrown(() => resolveChain(parseTexts(`[profile r]\nrole_arn = ${ROLE('r')}\n`), 'r'));
    expect(e.hint).toBe(
      'add source_profile = <the profile holding the key>, credential_source or web_identity_token_file to it in ~/.aws/config',
    );
  });

  it('names a missing source_profile with nothing near it', () => {
    const e = thrown(() =>
      resolveChain(parseTexts(`[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = zzzzzz\n`), 'r'),
    );
    expect(e.kind).toBe('profile-not-found');
    expect(e.hint).toBe('add [profile zzzzzz] to ~/.aws/config or fix source_profile of "r"');
  });

  it('points at an ignored section only when it is the one asked for', () => {
    const f = parseTexts('[profile alpha]\n[staging]\n', '[profile creds]\n');
    expect(thrown(() => getProfile(f, 'zzz')).hint).toBe('add [profile zzz] to ~/.aws/config');
    expect(thrown(() => getProfile(f, 'creds')).hint).toBe(
      '~/.aws/credentials:1 has [profile creds], which AWS tools ignore there: write [profile creds] in the config file, [creds] in the credentials file',
    );
  });

  it('refuses a session token in the files only where it would be the key', () => {
    const e = thrown(() =>
      resolveChain(
        parseTexts(
          `[profile r]\nrole_arn = ${ROLE('r')}\nsource_profile = tmp\n`,
          '[tmp]\naws_access_key_id = A\naws_secret_access_key = B\naws_session_token = C\n',
        ),
        'r',
      ),
    );
    expect(e.kind).toBe('config');
    expect(e.message).toBe(
      'profile "tmp" holds temporary credentials (aws_session_token) in ~/.aws/credentials, which mfa-exec cannot use as a base',
    );
    expect(e.hint).toBe('remove aws_session_token from [tmp], or use the AWS CLI for that profile');
    const proc = parseTexts('[profile p]\ncredential_process = /bin/creds\n', '[p]\naws_session_token = C\n');
    expect(resolveChain(proc, 'p').base).toEqual({ kind: 'credential-process', profile: 'p', command: '/bin/creds' });
  });
});

describe('resolveEndpoint, exactly', () => {
  const f = parseTexts('[profile p]\nservices = missing\n');

  it('gives nothing without a profile or a variable', () => {
    expect(resolveEndpoint('sts', { env: {}, files: f })).toBeUndefined();
  });

  it('says how to fix a bad AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', () => {
    const e = thrown(() => resolveEndpoint('sts', { env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: '1' }, files: f }));
    expect(e.message).toBe('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "1", not true or false');
    expect(e.hint).toBe('set it to true or false, or unset it');
  });

  it('says how to fix a missing services section', () => {
    const e = thrown(() => resolveEndpoint('sts', { env: {}, profile: getProfile(f, 'p'), files: f }));
    expect(e.kind).toBe('config');
    expect(e.hint).toBe('add [services missing] to ~/.aws/config or remove services from the profile');
  });
});

// Differential tests for the keys of every profile kind that botocore and the JS SDK read too:
// sso_session / [sso-session] / legacy sso_*, web_identity_token_file + role_session_name,
// credential_source. mfa-exec must read (or refuse) each config as they do.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAwsFiles } from '../../src/adapters/aws-files.js';
import { resolveChain, type Chain } from '../../src/core/config.js';
import { ROOT } from '../support/cli.js';

const ROLE = 'arn:aws:iam::123456789012:role/Target';
const dir = mkdtempSync(join(tmpdir(), 'mfa-exec-diff-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, 'jwt-for-the-differential-test');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SESSION = '[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n';
const CASES: Record<string, string> = {
  'sso_session with its section': `[profile p]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n${SESSION}`,
  'legacy sso_start_url': `[profile p]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Dev\n`,
  'sso_session without a section': `[profile p]\nsso_session = nope\nsso_account_id = 111122223333\nsso_role_name = Dev\n`,
  'sso without sso_role_name': `[profile p]\nsso_session = corp\nsso_account_id = 111122223333\n${SESSION}`,
  'sso_start_url other than the session': `[profile p]\nsso_session = corp\nsso_start_url = https://other\nsso_account_id = 111122223333\nsso_role_name = Dev\n${SESSION}`,
  'web identity with role_session_name': `[profile p]\nrole_arn = ${ROLE}\nweb_identity_token_file = ${tokenFile}\nrole_session_name = ci-run\n`,
  'web identity without role_session_name': `[profile p]\nrole_arn = ${ROLE}\nweb_identity_token_file = ${tokenFile}\n`,
  'credential_source Environment': `[profile p]\nrole_arn = ${ROLE}\ncredential_source = Environment\nrole_session_name = env\n`,
  'credential_source Ec2InstanceMetadata': `[profile p]\nrole_arn = ${ROLE}\ncredential_source = Ec2InstanceMetadata\n`,
  'credential_source EcsContainer': `[profile p]\nrole_arn = ${ROLE}\ncredential_source = EcsContainer\n`,
  'an unknown credential_source': `[profile p]\nrole_arn = ${ROLE}\ncredential_source = Nowhere\n`,
  'credential_source and source_profile': `[profile p]\nrole_arn = ${ROLE}\ncredential_source = Environment\nsource_profile = q\n[profile q]\n`,
};

type Result<T> = { ok: T } | { error: string };
interface Botocore {
  sso: Result<Record<string, string> | null>;
  webid: Result<Record<string, string | null>>;
  role: Result<Record<string, string | null>>;
}

const paths = Object.fromEntries(
  Object.entries(CASES).map(([name, text], i) => {
    const path = join(dir, `config-${i}`);
    writeFileSync(path, text);
    return [name, path];
  }),
);
// One Python run for every case.
const botocore: Record<string, Botocore> = (() => {
  const names = Object.keys(CASES);
  const out = execFileSync('python3', [join(ROOT, 'test/support/fixtures/clients/botocore-profile.py')], {
    input: names.map((n) => JSON.stringify({ config: paths[n], profile: 'p' })).join('\n') + '\n',
    env: { PATH: process.env.PATH, HOME: dir, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') },
  }).toString();
  const lines = out.trim().split('\n');
  return Object.fromEntries(names.map((n, i) => [n, JSON.parse(lines[i]!) as Botocore]));
})();

function ours(name: string): Result<Chain> {
  try {
    const files = parseAwsFiles(
      { path: paths[name]!, label: 'config', text: CASES[name]! },
      { path: join(dir, 'none'), label: 'credentials', text: '' },
    );
    return { ok: resolveChain(files, 'p') };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The JS SDK's fromIni with the STS calls injected: what it would send, or its refusal. */
async function jsSdk(name: string): Promise<Result<{ RoleArn?: string; RoleSessionName?: string }>> {
  const seen: { RoleArn?: string; RoleSessionName?: string }[] = [];
  const creds = {
    accessKeyId: 'ASIAX',
    secretAccessKey: 's',
    sessionToken: 't',
    expiration: new Date(Date.now() + 3600_000),
  };
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAENVSOURCE', AWS_SECRET_ACCESS_KEY: 'env-secret' });
  try {
    await fromIni({
      profile: 'p',
      configFilepath: paths[name],
      filepath: join(dir, 'none'),
      ignoreCache: true,
      roleAssumer: async (_source, params) => (seen.push(params), creds),
      roleAssumerWithWebIdentity: async (params) => (seen.push(params), creds),
    })();
    return { ok: seen[0]! };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    process.env = saved;
  }
}

describe('config differential: mfa-exec reads every kind as botocore and the JS SDK do', () => {
  it.each(Object.keys(CASES).filter((n) => /sso/.test(n) && !/credential_source/.test(n)))(
    'SSO, %s: the same settings as botocore, or refused as botocore refuses it',
    (name) => {
      const b = botocore[name]!.sso;
      const o = ours(name);
      if ('error' in b) {
        expect('error' in o, JSON.stringify(o)).toBe(true);
        return;
      }
      expect(b.ok).not.toBeNull();
      expect('ok' in o && o.ok.base.kind).toBe('sso');
      const base = (o as { ok: Chain }).ok.base as Extract<Chain['base'], { kind: 'sso' }>;
      expect({
        sso_start_url: base.sso.startUrl,
        sso_region: base.sso.region,
        sso_account_id: base.sso.accountId,
        sso_role_name: base.sso.roleName,
        ...(base.sso.session !== undefined && { sso_session: base.sso.session }),
      }).toEqual(b.ok);
    },
  );

  it.each(Object.keys(CASES).filter((n) => n.startsWith('web identity')))(
    '%s: the role, token file and session name botocore reads and the JS SDK sends',
    async (name) => {
      const b = botocore[name]!.webid;
      const o = ours(name);
      expect('ok' in b && 'ok' in o).toBe(true);
      const base = (o as { ok: Chain }).ok.base as Extract<Chain['base'], { kind: 'web-identity' }>;
      const w = (b as { ok: Record<string, string | null> }).ok;
      expect([base.webIdentity.roleArn, base.webIdentity.tokenFile, base.webIdentity.roleSessionName ?? null]).toEqual([
        w.role_arn,
        w.web_identity_token_file,
        w.role_session_name,
      ]);
      const js = await jsSdk(name);
      expect('ok' in js && js.ok.RoleArn).toBe(base.webIdentity.roleArn);
      if (base.webIdentity.roleSessionName !== undefined)
        expect('ok' in js && js.ok.RoleSessionName).toBe(base.webIdentity.roleSessionName);
    },
  );

  it.each(Object.keys(CASES).filter((n) => n.includes('credential_source')))(
    '%s: accepted or refused as botocore does (and the JS SDK, where it needs no network)',
    async (name) => {
      const b = botocore[name]!.role;
      const o = ours(name);
      expect('ok' in o, JSON.stringify(o)).toBe('ok' in b);
      if ('ok' in b && 'ok' in o) {
        expect(o.ok.base).toEqual({ kind: 'credential-source', profile: 'p', source: b.ok.credential_source });
        expect(o.ok.roles.map((r) => r.roleArn)).toEqual([b.ok.role_arn]);
      }
      if (/Environment|unknown|and source_profile/.test(name)) {
        const js = await jsSdk(name);
        expect('ok' in js, JSON.stringify(js)).toBe('ok' in o);
        if ('ok' in js && 'ok' in o) {
          expect(js.ok.RoleArn).toBe(o.ok.roles[0]!.roleArn);
          expect(js.ok.RoleSessionName).toBe(o.ok.roles[0]!.roleSessionName);
        }
      }
    },
  );
});

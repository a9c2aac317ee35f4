// The SSO token mfa-exec refreshes is kept in the OS keychain (a private Secret Service),
// read back from there, and found in no file under the sandbox.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../support/cli.js';
import { filesUnder } from '../support/files.js';
import { cacheFileName, startFakeSso, type FakeSso } from '../support/fake-sso.js';
import {
  keyringAvailable,
  requireKeyringOrSkip,
  startPrivateKeyring,
  type PrivateKeyring,
} from '../support/keyring.js';

const START_URL = 'https://keychain.awsapps.com/start';

describe('SSO token on the OS keychain (Secret Service)', () => {
  let keyring: PrivateKeyring | undefined;
  let sso: FakeSso;
  let box: Sandbox;

  beforeAll(async () => {
    if (!keyringAvailable().ok) return;
    keyring = await startPrivateKeyring();
    sso = await startFakeSso({ assignments: [{ accountId: '123456789012', roleName: 'Dev' }] });
    box = await makeSandbox({ backend: 'keychain', keyringEnv: keyring.env });
    box.env.AWS_ENDPOINT_URL_SSO = sso.url;
    box.env.AWS_ENDPOINT_URL_SSO_OIDC = sso.url;
    await box.writeConfig(
      `[profile kc-sso]\nsso_session = kc\nsso_account_id = 123456789012\nsso_role_name = Dev\n\n[sso-session kc]\nsso_start_url = ${START_URL}\nsso_region = eu-central-1\n`,
    );
  });
  afterAll(async () => {
    await sso?.close();
    await box?.cleanup();
    await keyring?.stop();
  });

  it('an expired AWS CLI token is refreshed into the keychain and used from there', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const token = sso.signIn({ startUrl: START_URL, region: 'eu-central-1' });
    const cache = join(box.env.HOME!, '.aws', 'sso', 'cache');
    await mkdir(cache, { recursive: true });
    await writeFile(
      join(cache, cacheFileName('kc')),
      JSON.stringify({ ...token, expiresAt: new Date(Date.now() - 60_000).toISOString() }),
    );
    const first = await box.run(['kc-sso', '--', 'true']);
    expect(first.stderr).toBe('');
    expect(sso.calls.map((c) => c.operation)).toEqual(['CreateToken', 'GetRoleCredentials']);

    // From the keychain: with the role credentials cleared, GetRoleCredentials without a refresh.
    expect((await box.run(['clear', 'kc-sso'])).code).toBe(0);
    sso.resetCalls();
    const second = await box.run(['kc-sso', '--', 'true']);
    expect(second.stderr).toBe('');
    expect(sso.calls.map((c) => c.operation)).toEqual(['GetRoleCredentials']);

    const ours = sso.issuedTokens().filter((t) => t !== token.accessToken && t !== token.refreshToken);
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const f of filesUnder(box.dir)) {
      const text = await readFile(f, 'latin1');
      for (const t of ours) expect(text.includes(t), `${f} holds an SSO token`).toBe(false);
    }
  });
});

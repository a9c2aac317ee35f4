// The core flow with the default store: a real Secret Service (private gnome-keyring),
// the built CLI and the local STS. Nothing secret may land in a file under HOME.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../support/cli.js';
import { filesUnder } from '../support/files.js';
import { addKey } from '../support/fixture.js';
import { runWithLoadSpy } from '../support/load-spy.js';
import { CALLER_IDENTITY } from '../support/children.js';
import { startFakeSts, totpCode, type FakeSts } from '../support/fake-sts.js';
import {
  keyringAvailable,
  requireKeyringOrSkip,
  startPrivateKeyring,
  type PrivateKeyring,
} from '../support/keyring.js';

const ACCOUNT = '210987654321';
const KEY_ID = 'AKIAKEYCHAINFLOW0001';
const SECRET = 'keychain/flow/secret/0000000000000000000a';
const TOTP = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZ';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/keychain-device`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/KeychainRole`;

/** Every file below `dir`, recursively. */

describe('core flow on the OS keychain (Secret Service)', () => {
  let keyring: PrivateKeyring | undefined;
  let sts: FakeSts;
  let box: Sandbox;

  beforeAll(async () => {
    if (!keyringAvailable().ok) return;
    keyring = await startPrivateKeyring();
    sts = await startFakeSts({
      users: [
        {
          userName: 'kc_user',
          accountId: ACCOUNT,
          accessKeyId: KEY_ID,
          secretAccessKey: SECRET,
          mfaSerial: MFA,
          totpSecret: TOTP,
        },
      ],
      roles: [{ roleArn: ROLE, requireMfa: true }],
    });
    box = await makeSandbox({ backend: 'keychain', keyringEnv: keyring.env });
    box.env.AWS_ENDPOINT_URL_STS = sts.url;
    await box.writeConfig(
      `[profile kc_user]\nregion = eu-central-1\n\n[profile kc]\nrole_arn = ${ROLE}\nsource_profile = kc_user\nmfa_serial = ${MFA}\nregion = eu-central-1\n`,
    );
  });
  afterAll(async () => {
    await sts?.close();
    await box?.cleanup();
    await keyring?.stop();
  });

  it('add, exec (one GetSessionToken + one AssumeRole), exec again (no STS call), list, remove', async (ctx) => {
    requireKeyringOrSkip(ctx);
    const added = await addKey(box, 'kc_user', { accessKeyId: KEY_ID, secretAccessKey: SECRET });
    expect(added.stderr).toBe('');
    expect(added.stdout).toBe('Stored the key …0001 for profile "kc_user" in the keychain.\n');

    const first = await box.run(['kc', '--mfa-token', totpCode(TOTP), '--', ...CALLER_IDENTITY]);
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout).Arn).toContain(':assumed-role/KeychainRole/');
    expect(sts.count('GetSessionToken')).toBe(1);
    expect(sts.count('AssumeRole')).toBe(1);

    sts.resetCalls();
    const second = await box.run(['kc', '--', 'print-env']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^AWS_ACCESS_KEY_ID=ASIA/m);
    expect(sts.count()).toBe(0);
    // The warm read asks the Secret Service over D-Bus itself: the native binding is never loaded.
    const { run: spied, loaded } = await runWithLoadSpy(box, ['kc', '--', 'true']);
    expect(spied.code).toBe(0);
    expect(loaded.addons).toEqual([]);
    // The npm install serves it from the warm path alone (dist/warm.js, src/cli/warm.ts); a run
    // it declines (a flag) gets the whole CLI after it, with the same result.
    if (!process.env.MFA_EXEC_TEST_BINARY) {
      expect(loaded.scripts).toEqual(['warm.js']);
      const viaExport = await runWithLoadSpy(box, ['export', 'kc', '--format', 'json']);
      expect(viaExport.loaded.scripts).toEqual(['warm.js']);
      expect(JSON.parse(viaExport.run.stdout)).toMatchObject({
        Version: 1,
        AccessKeyId: expect.stringMatching(/^ASIA/),
      });
      const declined = await runWithLoadSpy(box, [
        'exec',
        'kc',
        '--region',
        'eu-west-1',
        '--',
        'print-env',
        'AWS_REGION',
      ]);
      expect(declined.loaded.scripts).toEqual(['warm.js', 'main.js']);
      expect(declined.run).toMatchObject({ code: 0, stdout: 'AWS_REGION=eu-west-1\n' });
      expect(sts.count()).toBe(0);
    }

    const rows = JSON.parse((await box.run(['list', '--json'])).stdout) as {
      profile: string;
      hasStoredKey: boolean;
      sessions: { kind: string }[];
    }[];
    expect(rows.find((r) => r.profile === 'kc_user')).toMatchObject({
      hasStoredKey: true,
      sessions: [{ kind: 'session' }],
    });
    expect(rows.find((r) => r.profile === 'kc')).toMatchObject({ hasStoredKey: false, sessions: [{ kind: 'role' }] });

    // The key and the cached credentials live in the keyring, not in plain files under HOME.
    for (const f of filesUnder(box.dir)) {
      const text = readFileSync(f, 'latin1');
      expect(text, f).not.toContain(SECRET);
    }

    // Deleting still goes through the binding (which the spy does see).
    const { run: removed, loaded: removing } = await runWithLoadSpy(box, ['remove', 'kc_user', '--force']);
    expect(removed.code).toBe(0);
    // (the npm install's platform package, or the single executable's embedded copy under its hash)
    expect(removing.addons).toEqual([expect.stringMatching(/keyring\.(linux-.*-gnu\.)?node$/)]);
    const after = JSON.parse((await box.run(['list', '--json'])).stdout) as {
      profile: string;
      hasStoredKey: boolean;
      sessions: unknown[];
    }[];
    expect(after.find((r) => r.profile === 'kc_user')).toMatchObject({ hasStoredKey: false, sessions: [] });
    expect(after.find((r) => r.profile === 'kc')).toMatchObject({ sessions: [] });
  });
});

// The file store through the built CLI: the two tiers (short-lived credentials under a
// runtime key in XDG_RUNTIME_DIR, warm runs derive nothing; a reboot loses the cache but
// nothing behind the passphrase), the folder's owner and mode, and creating a new store
// (announced, asked twice at a real terminal, 8 characters or more).

import { chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeSandbox, type Sandbox } from '../support/cli.js';
import { addKey } from '../support/fixture.js';
import { runWithLoadSpy } from '../support/load-spy.js';
import { runInPty } from '../support/pty.js';
import { startFakeSts, totpCode, type FakeSts } from '../support/fake-sts.js';

const ACCOUNT = '131313131313';
const KEY_ID = 'AKIAFILESTORE0000013';
const SECRET = 'fIlEsToRe/K7MDENG/bPxRfiCYEXAMPLEKEY013';
const TOTP = 'KRUGS4ZANFZSAYJAORSXG5BAONSWKZBA';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/filestore`;
// A second user and device, so no test sends a code another one used (the fake, like AWS, refuses it).
const KEY_ID2 = 'AKIAFILESTORE0000026';
const SECRET2 = 'fIlEsToRe/K7MDENG/bPxRfiCYEXAMPLEKEY026';
const TOTP2 = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U';
const MFA2 = `arn:aws:iam::${ACCOUNT}:mfa/filestore2`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/filestore`;
const DERIVE = /store: deriving the key of /g;

let sts: FakeSts;
beforeAll(async () => {
  sts = await startFakeSts({
    users: [
      {
        userName: 'filestore',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET,
        mfaSerial: MFA,
        totpSecret: TOTP,
      },
      {
        userName: 'filestore2',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID2,
        secretAccessKey: SECRET2,
        mfaSerial: MFA2,
        totpSecret: TOTP2,
      },
    ],
    roles: [{ roleArn: ROLE, requireMfa: true }],
  });
});
afterAll(() => sts.close());

const boxes: Sandbox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.cleanup();
});

// The two-tier tests count derivations from --debug (the parameters it names are the store's,
// whichever key derivation runs). The second runs the real one (scrypt N=2^17 and the memory it
// needs, ~1 s each), so that one end-to-end test proves the CLI's own call works.
async function sandbox(env: Record<string, string> = {}, mfa = MFA, realKdf = false): Promise<Sandbox> {
  const box = await makeSandbox({ backend: 'file', realKdf, env: { AWS_ENDPOINT_URL_STS: sts.url, ...env } });
  boxes.push(box);
  await box.writeConfig(`[profile base]
region = eu-west-1
mfa_serial = ${mfa}

[profile test]
role_arn = ${ROLE}
source_profile = base
region = eu-west-1
`);
  return box;
}

const derivations = (stderr: string) => stderr.match(DERIVE)?.length ?? 0;
const storeDir = (box: Sandbox) => box.env.MFA_EXEC_FILE_DIR!;

describe('two-tier file store', () => {
  it('a warm run derives no key and needs no passphrase; after a reboot the next run derives once, needs a new MFA code, and loses nothing behind the passphrase', async () => {
    const box = await sandbox({}, MFA);
    const added = await box.run(['--debug', 'add', 'base', '--env'], {
      env: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET },
    });
    expect(added.code).toBe(0);
    expect(derivations(added.stderr)).toBe(1);
    expect(added.stderr).toContain('scrypt N=2^17, r=8, p=1');
    const vault = await readFile(join(storeDir(box), 'store.enc'));
    expect([...vault.subarray(5, 8)]).toEqual([17, 8, 1]);

    // Cold: reads the key (one derivation), asks STS with an MFA code, caches under the runtime key.
    sts.resetCalls();
    const cold = await box.run(['--debug', 'test', '--mfa-token', totpCode(TOTP), '--', 'true']);
    expect(cold.stderr).not.toMatch(/unexpected/);
    expect(cold.code).toBe(0);
    expect(derivations(cold.stderr)).toBe(1);
    expect(sts.count()).toBe(2);
    const keys = join(box.dir, 'run', 'mfa-exec', 'store-keys');
    expect((await stat(keys)).mode & 0o777).toBe(0o700);
    const [keyFile] = await readdir(keys);
    expect((await stat(join(keys, keyFile!))).mode & 0o777).toBe(0o600);
    // The cache file holds no secret in plain text.
    const cache = await readFile(join(storeDir(box), 'cache.enc'));
    expect(cache.includes(Buffer.from('ASIA'))).toBe(false);
    expect(cache.includes(Buffer.from('role:test'))).toBe(false);

    // Warm: no derivation, no STS call, and no passphrase (none given, no terminal to ask on).
    sts.resetCalls();
    const warm = await box.run(['--debug', 'test', '--', 'true'], { env: { MFA_EXEC_FILE_PASSPHRASE: undefined } });
    expect(warm.stderr).not.toContain('needs its passphrase');
    expect(warm.code).toBe(0);
    expect(derivations(warm.stderr)).toBe(0);
    expect(sts.count()).toBe(0);
    // What else a warm run loads: none of the built-in modules the warm path was freed of (the
    // ES module loader, node:fs/promises, node:os, node:module), reported by a preload at exit.
    const { run: spied, loaded } = await runWithLoadSpy(box, ['test', '--', 'true'], {
      MFA_EXEC_FILE_PASSPHRASE: undefined,
    });
    expect(spied.code).toBe(0);
    expect(loaded.builtins).toContain('child_process');
    expect(loaded.builtins.filter((m) => /^(internal\/modules\/esm\/|fs\/promises$|os$|module$)/.test(m))).toEqual([]);

    // Reboot: the memory-backed runtime folder is emptied.
    for (const entry of await readdir(join(box.dir, 'run')))
      await rm(join(box.dir, 'run', entry), { recursive: true, force: true });
    const after = await box.run(['--debug', 'test', '--', 'true']);
    expect(after.code).toBe(1);
    expect(derivations(after.stderr)).toBe(1);
    expect(after.stderr).toContain('runtime key');
    expect(after.stderr).toMatch(/^mfa-exec: an MFA code for .* is needed/m);
    expect(sts.count()).toBe(0);
    // The key is still there, behind the passphrase (and only the passphrase opens it).
    const listed = await box.run(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^base .*…0013/m);
    const wrong = await box.run(['list'], { env: { MFA_EXEC_FILE_PASSPHRASE: 'another passphrase' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong passphrase/);
  });

  it('without a usable runtime folder, everything stays behind the passphrase as before', async () => {
    const box = await sandbox({}, MFA2, true);
    const open = join(box.dir, 'open-run');
    await mkdir(open, { mode: 0o755 });
    await chmod(open, 0o755);
    const env = { XDG_RUNTIME_DIR: open };
    const added = await addKey(box, 'base', { accessKeyId: KEY_ID2, secretAccessKey: SECRET2 }, env);
    expect(added.code).toBe(0);
    const cold = await box.run(['--debug', 'test', '--mfa-token', totpCode(TOTP2), '--', 'true'], { env });
    expect(cold.stderr).toContain(`XDG_RUNTIME_DIR ${open} is not a 0700 folder of yours: no short-lived cache`);
    expect(cold.code).toBe(0);
    const warm = await box.run(['--debug', 'test', '--', 'true'], { env });
    expect(warm.code).toBe(0);
    expect(derivations(warm.stderr)).toBe(1);
    expect(await readdir(storeDir(box))).not.toContain('cache.enc');
  });
});

describe('file store folder (issue 10 row 12)', () => {
  it('refuses an existing store folder that group or others can write, with the fix, and changes nothing', async () => {
    const box = await sandbox();
    await mkdir(storeDir(box), { mode: 0o700 });
    await chmod(storeDir(box), 0o777);
    const r = await addKey(box, 'base', { accessKeyId: KEY_ID, secretAccessKey: SECRET });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `mfa-exec: the file store folder ${storeDir(box)} is writable by group or others (mode 0777) (run \`chmod 700 ${storeDir(box)}\`)\n`,
    );
    expect(await readdir(storeDir(box))).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)('refuses a store folder that belongs to another user', async () => {
    const box = await sandbox();
    await mkdir(storeDir(box), { mode: 0o700 });
    await chown(storeDir(box), 65534, 65534);
    const r = await box.run(['list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^mfa-exec: the file store folder .* belongs to another user \(uid 65534\) \(set MFA_EXEC_FILE_DIR to a folder of your own/,
    );
  });

  it('creates a missing store folder 0700', async () => {
    const box = await sandbox();
    const r = await addKey(box, 'base', { accessKeyId: KEY_ID, secretAccessKey: SECRET });
    expect(r.code).toBe(0);
    expect((await stat(storeDir(box))).mode & 0o777).toBe(0o700);
  });
});

describe('a new file store (issue 10 row 13)', () => {
  it('is announced, and a passphrase shorter than 8 characters is refused with nothing stored', async () => {
    const box = await sandbox();
    const add = (pass: string) =>
      addKey(box, 'base', { accessKeyId: KEY_ID, secretAccessKey: SECRET }, { MFA_EXEC_FILE_PASSPHRASE: pass });
    const short = await add('abc');
    expect(short.code).toBe(1);
    expect(short.stderr).toBe(
      'mfa-exec: the passphrase of a new file store needs 8 characters or more (set a longer MFA_EXEC_FILE_PASSPHRASE; nothing was stored)\n',
    );
    expect(await readdir(storeDir(box)).catch(() => [])).not.toContain('store.enc');
    const ok = await add('eight ch');
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`mfa-exec: creating a new file store in ${storeDir(box)}`);
    // An existing store is not announced again, and a wrong passphrase does not open it.
    const again = await add('eight ch');
    expect(again.stderr).not.toContain('creating a new file store');
    expect((await add('eight cH')).stderr).toMatch(/wrong passphrase/);
  });

  it('at a terminal asks twice, refuses a short one and a mismatch, and keeps the confirmed one', async () => {
    const box = await sandbox();
    const env = { ...box.env, AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET };
    delete (env as Record<string, string | undefined>).MFA_EXEC_FILE_PASSPHRASE;
    const steps = [
      ['New passphrase', 'abc'],
      ['New passphrase', 'longenough1'],
      ['Type it again', 'longenough2'],
      ['New passphrase', 'longenough1'],
      ['Type it again', 'longenough1'],
    ].map(([when, send]) => ({ when, send: `${send!}\r` }));
    const r = await runInPty({ argv: [...CLI, 'add', 'base', '--env'], env, steps, timeout: 60 });
    expect(r.output).toContain(`creating a new file store in ${storeDir(box)}`);
    expect(r.output).toContain('too short: 8 characters or more; try again');
    expect(r.output).toContain('the two entries differ; try again');
    expect(r.output).not.toContain('longenough');
    expect(r.exitCode).toBe(0);
    const listed = await box.run(['list'], { env: { MFA_EXEC_FILE_PASSPHRASE: 'longenough1' } });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/base/);
    expect((await box.run(['list'], { env: { MFA_EXEC_FILE_PASSPHRASE: 'longenough2' } })).code).toBe(1);
  });
});

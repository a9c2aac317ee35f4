// Security round 2 (issue 10), each defect attacked through the built CLI: a real symlink
// into a "dotfiles repository", real helpers recording their environment, a local STS
// answering broken credentials, hostile profile names, unusable lock folders, SIGTERM
// while an mfa_process runs, export to a real pty. Each test fails on 0.1.0.

import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, makeSandbox, type Sandbox } from '../support/cli.js';
import { runInPty } from '../support/pty.js';
import type { FakeSts, FakeUser } from '../support/fake-sts.js';
import { ini, roleProfile, stsSandbox, type StsSandbox } from '../support/fixture.js';

const A = '707070707070';
const KEY = 'AKIASECURITYROUND002';
const SECRET = 'sEcUrItY/K7MDENG/bPxRfiCYEXAMPLEKEY00002';
// A device of this file's own, so codes used here never collide with other files'.
const TOTP = 'ONSWG5LSNF2HSIDSN52W4ZBAGIQHGZLD';
const MFA = `arn:aws:iam::${A}:mfa/security`;
const ROLE = `arn:aws:iam::${A}:role/security`;
// Users of their own for the ykman run (its own device) and for STS answers without any MFA code.
const YK_KEY = 'AKIASECURITYROUNDYK3';
const YK_SECRET = 'sEcUrItY/K7MDENG/bPxRfiCYEXAMPLEKEYYK003';
const YK_TOTP = 'MFZWIZLDOVZGS5DZEB4WWMLNMFZWIZLD';
const YK_MFA = `arn:aws:iam::${A}:mfa/security-yk`;
const PLAIN_KEY = 'AKIASECURITYROUNDPL4';
const PLAIN_SECRET = 'sEcUrItY/K7MDENG/bPxRfiCYEXAMPLEKEYPL004';

let env: StsSandbox;
let sts: FakeSts;
let box: Sandbox;
let side: string; // outside the sandbox: what the helper stand-ins record

/** A shell script at `side/name`, executable. */
function script(name: string, body: string): string {
  const path = join(side, name);
  writeFileSync(path, `#!/bin/sh\n${body}`, { mode: 0o755 });
  return path;
}

/** The MFA_EXEC_* names in an `env` dump. */
function mfaExecNames(dump: string): string[] {
  return dump
    .split('\n')
    .map((l) => l.split('=')[0]!)
    .filter((n) => n.startsWith('MFA_EXEC_'))
    .sort();
}

beforeAll(async () => {
  side = await mkdtemp(join(tmpdir(), 'mfa-exec-security-'));
  // mfa_process: records its environment, then prints the code.
  const mfaProcess = script('mfa-env', `env > "${join(side, 'mfa-process.env')}"\nexec totp-code\n`);
  // credential_process: records its environment, prints what the test put in $TEST_CP_OUT.
  const credentialProcess = script(
    'cp-env',
    `env > "${join(side, 'credential-process.env')}"\nprintf '%s' "$TEST_CP_OUT"\n`,
  );
  // ykman stand-in: records its environment, prints "account  code" as ykman does.
  script('ykman', `env > "${join(side, 'ykman.env')}"\nprintf 'x  %s\\n' "$(totp-code)"\n`);
  const sec: FakeUser = {
    userName: 'sec',
    accountId: A,
    accessKeyId: KEY,
    secretAccessKey: SECRET,
    mfaSerial: MFA,
    totpSecret: TOTP,
  };
  const yk: FakeUser = {
    userName: 'yk',
    accountId: A,
    accessKeyId: YK_KEY,
    secretAccessKey: YK_SECRET,
    mfaSerial: YK_MFA,
    totpSecret: YK_TOTP,
  };
  const plain: FakeUser = { userName: 'plain', accountId: A, accessKeyId: PLAIN_KEY, secretAccessKey: PLAIN_SECRET };
  // Each key added silently (the first add announces the new file store, nothing else).
  env = await stsSandbox({
    users: [sec, yk, plain],
    roles: [{ roleArn: ROLE, requireMfa: true }],
    config: ini({
      sec_user: { region: 'eu-west-1' },
      sec: roleProfile({ role: ROLE, source: 'sec_user', mfa: MFA, process: mfaProcess, region: 'eu-west-1' }),
      yk: { mfa_serial: YK_MFA },
      plain: { region: 'eu-west-1' },
      cp: { credential_process: credentialProcess, region: 'eu-west-1' },
    }),
    keys: { sec_user: sec, yk, plain },
  });
  ({ sts, box } = env);
  box.env.PATH = `${side}:${box.env.PATH}`;
});
afterAll(async () => {
  await env?.cleanup();
  await rm(side, { recursive: true, force: true });
});
beforeEach(async () => {
  sts.setAnswerMode('normal');
  expect((await box.run(['clear'])).code).toBe(0);
});

/** credential_process JSON with these fields over a valid set. */
function cpJson(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: 'ASIACREDPROCESS00001',
    SecretAccessKey: 'cRoCeSs/K7MDENG/bPxRfiCYEXAMPLEKEY000001',
    SessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
    Expiration: new Date(Date.now() + 3600_000).toISOString(),
    ...over,
  });
}

describe('row 1: AWS files are edited through symlinks', () => {
  it('import --scrub of a symlinked credentials file removes the key from the real file (a dotfiles repository), keeps the link and the mode, and recommends rotate', async () => {
    const dot = await makeSandbox({ backend: 'file' });
    try {
      const repo = join(dot.dir, 'dotfiles', 'aws');
      mkdirSync(repo, { recursive: true });
      const real = join(repo, 'credentials');
      writeFileSync(
        real,
        `# mine\n[old]\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\nregion = eu-west-1\n`,
      );
      chmodSync(real, 0o640);
      // A chain of links, one of them relative: ~/.aws/credentials → ../creds-link → the repository's file.
      await rm(dot.credentialsPath);
      symlinkSync(real, join(dot.dir, 'home', 'creds-link'));
      symlinkSync('../creds-link', dot.credentialsPath);

      const r = await dot.run(['import', 'old', '--scrub']);
      expect(r.stderr).toMatch(/^(mfa-exec: creating a new file store in .*\n)?$/);
      expect(r.code).toBe(0);
      expect(readFileSync(real, 'utf8')).toBe('# mine\n[old]\nregion = eu-west-1\n');
      expect(readFileSync(real, 'utf8')).not.toContain(SECRET);
      expect(lstatSync(dot.credentialsPath).isSymbolicLink()).toBe(true);
      expect(readlinkSync(dot.credentialsPath)).toBe('../creds-link');
      expect(statSync(real).mode & 0o7777).toBe(0o640);
      expect(r.stdout).toContain('Removed 1 key from ~/.aws/credentials.');
      expect(r.stdout).toContain('kept in plain text until now: replace it with `mfa-exec rotate old`');
    } finally {
      await dot.cleanup();
    }
  });
});

describe('row 2: no MFA_EXEC_* but MFA_EXEC_PROFILE reaches the child or a helper', () => {
  const extra = { MFA_EXEC_SOMETHING: 'x', MFA_EXEC_PROMPT: 'process' };

  it('the child, mfa_process and credential_process never see MFA_EXEC_FILE_PASSPHRASE or any other MFA_EXEC_*', async () => {
    const child = await box.run(['exec', 'sec', '--', 'print-env'], { env: extra });
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    expect(mfaExecNames(child.stdout)).toEqual(['MFA_EXEC_PROFILE']);
    expect(child.stdout).not.toContain('test passphrase');
    // mfa_process gets the serial it is asked for (set on purpose), nothing else of ours.
    expect(mfaExecNames(readFileSync(join(side, 'mfa-process.env'), 'utf8'))).toEqual(['MFA_EXEC_MFA_SERIAL']);

    const cp = await box.run(['exec', 'cp', '--', 'print-env', 'MFA_EXEC_PROFILE', 'AWS_ACCESS_KEY_ID'], {
      env: { ...extra, TEST_CP_OUT: cpJson() },
    });
    expect(cp.stderr).toBe('');
    expect(cp.stdout).toBe('MFA_EXEC_PROFILE=cp\nAWS_ACCESS_KEY_ID=ASIACREDPROCESS00001\n');
    expect(mfaExecNames(readFileSync(join(side, 'credential-process.env'), 'utf8'))).toEqual([]);
  });

  it('ykman (and the GUI prompts, run the same way) never see MFA_EXEC_FILE_PASSPHRASE', async () => {
    const r = await box.run(['export', 'yk', '--prompt', 'ykman', '--format', 'json'], {
      env: { ...extra, TEST_TOTP_SECRET: YK_TOTP },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dump = readFileSync(join(side, 'ykman.env'), 'utf8');
    expect(mfaExecNames(dump)).toEqual([]);
    expect(dump).not.toContain('test passphrase');
  });
});

describe('rows 7, 8, 9: values from outside are checked', () => {
  it('row 7: a credential_process Expiration that does not parse is one line naming the profile, not "Invalid time value"', async () => {
    const r = await box.run(['export', 'cp'], { env: { TEST_CP_OUT: cpJson({ Expiration: 'garbage' }) } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^mfa-exec: credential_process of profile "cp" printed an Expiration that is not an ISO 8601 time \(such as 2030-01-01T00:00:00Z\) \(run the command by hand.*\)\n$/,
    );
  });

  it('row 9: a credential_process Expiration in the past, or a newline in a value, is refused and never reaches export output', async () => {
    const past = await box.run(['export', 'cp'], {
      env: { TEST_CP_OUT: cpJson({ Expiration: '2020-01-01T00:00:00Z' }) },
    });
    expect(past.code).toBe(1);
    expect(past.stdout).toBe('');
    expect(past.stderr).toContain('had already expired (at 2020-01-01T00:00:00.000Z); they were not used');
    const injected = await box.run(['export', 'cp', '--format', 'ini'], {
      env: { TEST_CP_OUT: cpJson({ SessionToken: 'abc\n[default]\naws_access_key_id = EVIL' }) },
    });
    expect(injected.code).toBe(1);
    expect(injected.stdout).toBe('');
    expect(injected.stderr.split('\n')).toHaveLength(2);
    expect(injected.stderr).toContain('gave a SessionToken holding a newline or control character; it was not used');
    expect(injected.stderr).not.toContain('EVIL');
    // Without Expiration (a long-lived key) it is accepted.
    const longLived = await box.run(['export', 'cp', '--format', 'json'], {
      env: {
        TEST_CP_OUT: cpJson({
          AccessKeyId: KEY,
          SecretAccessKey: SECRET,
          Expiration: undefined,
          SessionToken: undefined,
        }),
      },
    });
    expect(longLived.stderr).toBe('');
    expect(longLived.code).toBe(0);
    expect(JSON.parse(longLived.stdout).AccessKeyId).toBe(KEY);
  });

  it('row 8: --debug never quotes malformed credential_process output (the JSON SyntaxError would show the secret)', async () => {
    const r = await box.run(['export', 'cp', '--debug'], {
      env: { TEST_CP_OUT: '{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":TOPSECRETVALUE123}' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('credential_process of profile "cp" did not print valid JSON');
    expect(r.stderr).not.toContain('TOPSECRET');
    expect(r.stderr).not.toContain('ccessKey":');
  });

  it('row 9: STS credentials already expired ("past") or holding a newline ("newline") are refused with one line, and export prints nothing', async () => {
    sts.setAnswerMode('past');
    const past = await box.run(['export', 'plain', '--format', 'ini']);
    expect(past.code).toBe(1);
    expect(past.stdout).toBe('');
    expect(past.stderr).toMatch(
      /^mfa-exec: STS \(GetSessionToken\) gave credentials that had already expired \(at .*\); they were not used \(check the STS endpoint .* and this machine's clock\)\n$/,
    );

    sts.setAnswerMode('newline');
    for (const format of ['env', 'ini']) {
      const r = await box.run(['export', 'plain', '--format', format]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain('AWS_INJECTED');
      expect(r.stderr).toMatch(
        /^mfa-exec: STS \(GetSessionToken\) gave a SessionToken holding a newline or control character; it was not used \(.*\)\n$/,
      );
    }
    // Nothing bad was cached: with a sane STS again, it works.
    sts.setAnswerMode('normal');
    const ok = await box.run(['export', 'plain', '--format', 'json']);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout).SessionToken).not.toMatch(/\n/);
  });
});

describe('row 10: control and bidi characters in profile names are shown escaped', () => {
  it('list, list --json, import and error messages never put a raw ESC or bidi override on the terminal', async () => {
    const names = box;
    const evil = 'prod\x1b[2K\x1b[1Gfake-row';
    const bidi = 'ab\u202ecod.exe';
    await names.writeCredentials(
      `[${evil}]\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\n[${bidi}]\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\n`,
    );
    try {
      const imported = await names.run(['import']);
      expect(imported.code).toBe(0);
      const list = await names.run(['list']);
      expect(list.code).toBe(0);
      for (const out of [imported.stdout, list.stdout]) {
        expect(out).not.toContain('\x1b[2K');
        expect(out).not.toContain('\u202e');
        expect(out).toContain('prod\\x1b[2K\\x1b[1Gfake-row');
        expect(out).toContain('ab\\u202ecod.exe');
      }
      const json = await names.run(['list', '--json']);
      expect(json.stdout).not.toContain('\u202e');
      expect((JSON.parse(json.stdout) as { profile: string }[]).map((r) => r.profile)).toContain(bidi);
      const error = await names.run(['exec', evil, '--mfa-token', 'x', '--', 'true']);
      expect(error.code).toBe(2);
      const nested = await names.run(['list'], { env: { MFA_EXEC_PROFILE: bidi } });
      for (const out of [error.stderr, nested.stderr]) {
        expect(out).not.toContain('\x1b[2K');
        expect(out).not.toContain('\u202e');
      }
      const refused = await names.run(['exec', bidi, '--', 'true'], { env: { MFA_EXEC_PROFILE: bidi } });
      expect(refused.stderr).toContain('already inside an mfa-exec subshell for profile "ab\\u202ecod.exe"');
    } finally {
      await names.run(['remove', evil, '--force']);
      await names.run(['remove', bidi, '--force']);
      await names.writeCredentials('');
    }
  });
});

describe('rows 11 and 12: lock folders', () => {
  it('row 11: a lock folder that cannot be created is one line with the fix, not "unexpected error: EPERM … report it"', async () => {
    const r = await box.run(['export', 'plain'], { env: { XDG_RUNTIME_DIR: '/sys/kernel' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^mfa-exec: cannot create the lock folder \/sys\/kernel\/mfa-exec\/locks \((EPERM|EACCES|EROFS|ENOENT)\) \(set XDG_RUNTIME_DIR .* to a folder of your own, or make its parent folder writable for you\)\n$/,
    );
    expect(r.stderr).not.toContain('unexpected error');
  });

  it("row 12: lock folders are created 0700; an existing one writable by others, or not the user's, is refused with the fix", async () => {
    const run = join(box.dir, 'run-12');
    mkdirSync(run, { mode: 0o755 });
    const ok = await box.run(['export', 'plain'], { env: { XDG_RUNTIME_DIR: run } });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(statSync(join(run, 'mfa-exec')).mode & 0o777).toBe(0o700);
    expect(statSync(join(run, 'mfa-exec', 'locks')).mode & 0o777).toBe(0o700);

    // (the same runtime folder: the file store's short-lived cache is keyed there)
    await box.run(['clear'], { env: { XDG_RUNTIME_DIR: run } });
    chmodSync(join(run, 'mfa-exec', 'locks'), 0o777);
    const open = await box.run(['export', 'plain'], { env: { XDG_RUNTIME_DIR: run } });
    expect(open.code).toBe(1);
    expect(open.stdout).toBe('');
    expect(open.stderr).toBe(
      `mfa-exec: the lock folder ${run}/mfa-exec/locks may be written by other users (mode 0777) (run \`chmod 700 ${run}/mfa-exec/locks\`)\n`,
    );

    chmodSync(join(run, 'mfa-exec', 'locks'), 0o700);
    if (process.getuid?.() === 0) {
      chownSync(join(run, 'mfa-exec'), 65534, 65534);
      const foreign = await box.run(['export', 'plain'], { env: { XDG_RUNTIME_DIR: run } });
      expect(foreign.code).toBe(1);
      expect(foreign.stderr).toContain(`the lock folder ${run}/mfa-exec belongs to another user (uid 65534)`);
    }
  });
});

describe('helpers are ended by their process group', () => {
  it('SIGTERM while an mfa_process runs ends it and what it started (no helper left running), exit 143, lock removed', async () => {
    const pids = join(side, 'helper-pids');
    const slow = script('slow-mfa', `sleep 300 &\necho "$$ $!" > "${pids}.tmp"\nmv "${pids}.tmp" "${pids}"\nwait\n`);
    await box.writeConfig(
      `${readFileSync(box.configPath, 'utf8')}\n[profile slow]\nrole_arn = ${ROLE}\nsource_profile = sec_user\nmfa_serial = ${MFA}\nmfa_process = ${slow}\n`,
    );
    const child = spawn(process.execPath, [BIN, 'export', 'slow'], { env: box.env, detached: true, stdio: 'ignore' });
    for (let i = 0; i < 200 && !existsSync(pids); i++) await new Promise((r) => setTimeout(r, 50));
    const [shell, sleeper] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(shell!) && alive(sleeper!)).toBe(true);
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
    process.kill(child.pid!, 'SIGTERM'); // mfa-exec alone, not its process group
    expect(await exited).toEqual([143, null]);
    for (let i = 0; i < 40 && (alive(shell!) || alive(sleeper!)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(shell!)).toBe(false);
    expect(alive(sleeper!)).toBe(false);
    const locks = join(box.dir, 'run', 'mfa-exec', 'locks');
    expect(readdirSync(locks)).toEqual([]);
  });
});

describe('export to a terminal', () => {
  it('export warns on the terminal that the secret stays in its scrollback; piped, it says nothing', async () => {
    // Asynchronously: the local STS answers from this very process.
    const r = await runInPty({ argv: [process.execPath, BIN, 'export', 'plain'], env: box.env });
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('AWS_SECRET_ACCESS_KEY=');
    expect(r.output).toContain(
      'mfa-exec: warning: secret credentials were printed on the terminal, where its scrollback keeps them',
    );
    const piped = await box.run(['export', 'plain']);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toContain('AWS_SECRET_ACCESS_KEY=');
  });
});

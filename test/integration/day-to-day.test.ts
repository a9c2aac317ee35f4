// Day-to-day use as a new user meets it (issue 14): options end at the command, confirmations
// before loss, a doctor that never passes by skipping, a stored TOTP seed used without asking,
// typos of commands, the subshell's line, and the small frictions. The built CLI in a temporary
// HOME, the local MFA-enforcing STS, and a pty wherever a terminal is involved.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeSandbox, type Sandbox } from '../support/cli.js';
import { totpCode, type FakeSts, type FakeUser } from '../support/fake-sts.js';
import { ini, roleProfile, seedKey, stsSandbox, type StsSandbox } from '../support/fixture.js';
import { runInPty, type PtyResult, type PtyStep } from '../support/pty.js';
import { createTestClock, type TestClock } from '../support/test-clock.js';

const ACCOUNT = '141414141414';
const KEY_ID = 'AKIADAYTODAY0000001A';
const SECRET = 'dAyToDaY/K7MDENG/bPxRfiCYEXAMPLEKEY00001';
const TOTP = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/daily`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/daily`;
// A second user and device, whose TOTP seed goes into the store (no mfa_process, no terminal).
const SEED_KEY_ID = 'AKIADAYTODAYSEED0004';
const SEED_SECRET = 'dAyToDaY/SeEd/MDENG/bPxRfiCYEXAMPLEKEY04';
const SEED_TOTP = 'ONSWG4TFOQQGC3TEEBQWY3DPMN2GK4TG';
const SEED_MFA = `arn:aws:iam::${ACCOUNT}:mfa/seeded`;
const SEED_ROLE = `arn:aws:iam::${ACCOUNT}:role/seeded`;
// A third user and device, used only by the test of a reused code at a terminal.
const REUSE_KEY_ID = 'AKIADAYTODAYREUSE005';
const REUSE_SECRET = 'dAyToDaY/ReUsE/MDENG/bPxRfiCYEXAMPLEKEY05';
const REUSE_TOTP = 'KRSXG5CSMV2XGZLEINXWIZLTKRSXG5CS';
const REUSE_MFA = `arn:aws:iam::${ACCOUNT}:mfa/reuse`;
const REUSE_ROLE = `arn:aws:iam::${ACCOUNT}:role/reuse`;

const CONFIG = ini({
  daily_user: { region: 'eu-west-1' },
  daily: roleProfile({ role: ROLE, source: 'daily_user', mfa: MFA, process: 'totp-code', region: 'eu-west-1' }),
  seed_user: { region: 'eu-west-1' },
  seeded: roleProfile({ role: SEED_ROLE, source: 'seed_user', mfa: SEED_MFA }),
});

let env: StsSandbox;
let sts: FakeSts;
let box: Sandbox;

/** `mfa-exec args` in a pseudo-terminal (its controlling terminal), typing `steps` in turn. */
function inPty(
  args: string[],
  steps: PtyStep[] = [],
  opts: { env?: Record<string, string>; timeout?: number } = {},
): Promise<PtyResult> {
  return runInPty({
    argv: [process.execPath, BIN, ...args],
    env: { ...box.env, ...opts.env },
    steps,
    timeout: opts.timeout ?? 30,
  });
}

beforeAll(async () => {
  const daily: FakeUser = {
    userName: 'daily_user',
    accountId: ACCOUNT,
    accessKeyId: KEY_ID,
    secretAccessKey: SECRET,
    mfaSerial: MFA,
    totpSecret: TOTP,
  };
  env = await stsSandbox({
    users: [
      daily,
      {
        userName: 'seed_user',
        accountId: ACCOUNT,
        accessKeyId: SEED_KEY_ID,
        secretAccessKey: SEED_SECRET,
        mfaSerial: SEED_MFA,
        totpSecret: SEED_TOTP,
      },
      {
        userName: 'reuse_user',
        accountId: ACCOUNT,
        accessKeyId: REUSE_KEY_ID,
        secretAccessKey: REUSE_SECRET,
        mfaSerial: REUSE_MFA,
        totpSecret: REUSE_TOTP,
      },
    ],
    roles: [
      { roleArn: ROLE, requireMfa: true },
      { roleArn: SEED_ROLE, requireMfa: true },
      { roleArn: REUSE_ROLE, requireMfa: true },
    ],
    config: CONFIG,
    keys: { daily_user: daily },
  });
  ({ sts, box } = env);
  // One MFA code fills the cache; every exec below reuses the role credentials.
  const first = await box.run(['daily', '--', 'true']);
  expect(first.code, first.stderr).toBe(0);
});

afterAll(() => env?.cleanup());

/** A child that prints each of its arguments in brackets. */
const ARGS = ['sh', '-c', 'printf "[%s]" "$@"', 'sh'];

describe('options end at the command (issue 14 item 1)', () => {
  it('every word from the command on goes to the child, `--` or not: --no-session, -t, --region', async () => {
    const r = await box.run(['daily', ...ARGS, '--no-session', 'hi', '-t', 'foo', '--region', 'x', '--debug']);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: '[--no-session][hi][-t][foo][--region][x][--debug]' });
  });

  it('`mfa-exec exec PROFILE cmd --query Arn` gives --query to the command', async () => {
    const r = await box.run(['exec', 'daily', ...ARGS, '--query', 'Arn']);
    expect(r).toMatchObject({ code: 0, stdout: '[--query][Arn]' });
  });

  it('options between the profile and the command are still mfa-exec’s', async () => {
    const r = await box.run(['daily', '--region', 'ap-south-1', 'print-env']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('AWS_REGION=ap-south-1\n');
  });

  it('an unknown option before the command is a usage error that says to put the command first', async () => {
    const r = await box.run(['daily', '--query', 'Arn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'mfa-exec: unknown option --query for exec (if it is meant for the command, put the command first: `mfa-exec PROFILE -- COMMAND --query …`)\n',
    );
  });

  it('`mfa-exec exec -- cmd` takes the profile from AWS_PROFILE', async () => {
    const r = await box.run(['exec', '--', ...ARGS, '--duration', '2h'], { env: { AWS_PROFILE: 'daily' } });
    expect(r).toMatchObject({ code: 0, stdout: '[--duration][2h]' });
  });

  it('`--debug` after the command is the child’s, not mfa-exec’s', async () => {
    const r = await box.run(['daily', 'true', '--debug']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const own = await box.run(['--debug', 'daily', 'true']);
    expect(own.stderr).toContain('mfa-exec: debug:');
  });
});

describe('typed flags: choices and environment fallbacks declared once', () => {
  it('--help shows the value a variable sets now, next to the default', async () => {
    const r = await box.run(['list', '--help'], { env: { MFA_EXEC_BACKEND: 'file' } });
    expect(r.stdout).toMatch(
      /--backend keychain\|file +where keys .*\(MFA_EXEC_BACKEND\) \[default: keychain\] \[now: file, from MFA_EXEC_BACKEND\]/,
    );
  });

  it('a bad value in a variable is a usage error naming the variable', async () => {
    const r = await box.run(['list'], { env: { MFA_EXEC_BACKEND: 'vault' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mfa-exec: unknown backend "vault" in MFA_EXEC_BACKEND (use one of keychain, file)\n');
  });

  it('a bad --format is refused by the parser before any credentials are made', async () => {
    sts.resetCalls();
    const r = await box.run(['export', 'daily', '--format', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mfa-exec: unknown format "yaml" (use one of env, shell, json, ini)\n');
  });
});

describe('confirmations before loss (issue 14 item 2)', () => {
  const SPARE_ID = 'AKIASPAREKEY0000002B';
  const SPARE_SECRET = 'sPaRe/K7MDENG/bPxRfiCYEXAMPLEKEY00000002';
  const addSpare = (profile: string, id = SPARE_ID, extra: string[] = []) =>
    box.run(['add', profile, '--env', ...extra], {
      env: { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: SPARE_SECRET },
    });
  const hasKey = async (profile: string) => {
    const rows = JSON.parse((await box.run(['list', '--json'])).stdout) as { profile: string; hasStoredKey: boolean }[];
    return rows.find((r) => r.profile === profile)?.hasStoredKey ?? false;
  };

  it('remove with no terminal and no --force refuses (exit 2) and keeps the key', async () => {
    await box.writeConfig(`${CONFIG}\n[profile spare]\nregion = eu-west-1\n`);
    expect((await addSpare('spare')).code).toBe(0);
    const r = await box.run(['remove', 'spare']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'mfa-exec: remove asks before deleting, and there is no terminal to ask on (add --force to remove without asking)\n',
    );
    expect(await hasKey('spare')).toBe(true);
  });

  it('remove asks y/N on the terminal: anything but yes removes nothing, y removes', async () => {
    const no = await inPty(['remove', 'spare'], [{ when: '[y/N]', send: '\r' }]);
    expect(no.output).toContain(
      'Remove the key …002B and 0 cached credentials of profile "spare" from the encrypted file store? [y/N]',
    );
    expect(no.output).toContain('nothing was removed');
    expect(no.exitCode).toBe(1);
    expect(await hasKey('spare')).toBe(true);
    const yes = await inPty(['remove', 'spare'], [{ when: '[y/N]', send: 'y\r' }]);
    expect(yes.exitCode, yes.output).toBe(0);
    expect(yes.output).toContain('Removed the key and 0 cached credentials of profile "spare"');
    expect(await hasKey('spare')).toBe(false);
  });

  it('remove --force removes without asking', async () => {
    expect((await addSpare('spare')).code).toBe(0);
    const r = await box.run(['remove', 'spare', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(await hasKey('spare')).toBe(false);
  });

  it('add says which key it replaces', async () => {
    expect((await addSpare('spare', 'AKIASPAREKEY0000003C')).code).toBe(0);
    const r = await addSpare('spare');
    expect(r).toMatchObject({
      code: 0,
      stdout: 'Stored the key …002B for profile "spare" in the encrypted file store, replacing the key …003C.\n',
      stderr: '',
    });
    await box.run(['remove', 'spare', '--force']);
  });

  it('add warns when the key can never be used: a role profile, or a profile not in the config', async () => {
    const role = await addSpare('daily');
    expect(role.stderr).toBe(
      'mfa-exec: warning: profile "daily" has role_arn, so its own key is never used (its chain uses the key of "daily_user": `mfa-exec add daily_user`)\n',
    );
    await box.run(['remove', 'daily', '--force']);
    const missing = await addSpare('nowhere');
    expect(missing.code).toBe(0);
    expect(missing.stderr).toBe(
      'mfa-exec: warning: profile "nowhere" is not in ~/.aws/config, so no command can use this key yet (run `mfa-exec add nowhere --add-config` to add [profile nowhere], or add it by hand)\n',
    );
    const added = await addSpare('nowhere', SPARE_ID, ['--add-config']);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('Added [profile nowhere] to ~/.aws/config.\n');
    expect(readFileSync(box.configPath, 'utf8')).toMatch(/\n\n\[profile nowhere\]\n$/);
    expect((await box.run(['list', '--json'])).stdout).toContain('"profile": "nowhere"');
    await box.run(['remove', 'nowhere', '--force']);
  });
});

describe('doctor never passes by skipping (issue 14 item 3)', () => {
  it('IAM unreachable: the trust and permission checks could not run, so exit 1 and no "all checks passed"', async () => {
    const r = await box.run(['doctor', 'daily'], { env: { AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:1' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}skip {2}role trust role\/daily +could not run: /m);
    expect(r.stdout).not.toContain('all checks passed');
    expect(r.stdout.trimEnd().split('\n').pop()).toMatch(/^0 failed, \d+ could not run, 0 warnings$/);
  });

  it('an empty HOME is not "ok": no profiles is a failure with a fix', async () => {
    const empty = await makeSandbox({ backend: 'file' });
    try {
      const r = await empty.run(['doctor', '--json'], { env: { AWS_ENDPOINT_URL_STS: sts.url } });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).checks[0]).toEqual({
        check: 'config',
        status: 'fail',
        message: 'no profiles in ~/.aws/config or ~/.aws/credentials',
        fix: "run `mfa-exec setup`, or add the profiles of the README's Quick start",
      });
    } finally {
      await empty.cleanup();
    }
  });

  it('half a key in the credentials file is not sent to `import`, which would refuse it', async () => {
    await box.writeCredentials('[partial]\naws_access_key_id = AKIAPARTIAL000000001\n');
    try {
      const r = await box.run(['doctor', '--json']);
      const check = (JSON.parse(r.stdout) as { checks: { check: string; fix: string }[] }).checks.find(
        (c) => c.check === 'credentials file',
      )!;
      expect(check.fix).toBe(
        'delete that line of [partial] by hand (import needs both lines), and store the whole key with `mfa-exec add partial`',
      );
    } finally {
      await box.writeCredentials('');
    }
  });
});

describe('a stored TOTP seed is used without asking (issue 14 item 4)', () => {
  it('after `totp add`, exec with no terminal and no --prompt gets its code from the seed', async () => {
    await seedKey(box, 'seed_user', { accessKeyId: SEED_KEY_ID, secretAccessKey: SEED_SECRET });
    const before = await box.run(['seeded', '--', 'true']);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('there is no terminal to ask on');
    const added = await box.run(['totp', 'add', SEED_MFA, '--stdin'], { input: `${SEED_TOTP}\n` });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('it gives the codes for this device from now on');
    sts.resetCalls();
    const r = await box.run(['seeded', '--', 'print-env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MFA_EXEC_PROFILE=seeded\n');
    expect(sts.calls.map((c) => c.action)).toEqual(['GetSessionToken', 'AssumeRole']);
  });

  it('`totp list` prints the serials with a stored seed, never a seed', async () => {
    const r = await box.run(['totp', 'list']);
    expect(r).toMatchObject({ code: 0, stdout: `${SEED_MFA}\n`, stderr: '' });
    expect(r.stdout).not.toContain(SEED_TOTP);
  });

  it('`totp add` refuses what is not an MFA device serial', async () => {
    const r = await box.run(['totp', 'add', 'arn:aws:iam::141414141414:role/oops', '--stdin'], {
      input: `${SEED_TOTP}\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mfa-exec: "arn:aws:iam::141414141414:role\/oops" is not an MFA device \(/);
  });
});

describe('a mistyped command is not taken for a profile (issue 14 item 5)', () => {
  it('`mfa-exec remvoe foo` suggests remove, whatever follows the word', async () => {
    const r = await box.run(['remvoe', 'foo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'mfa-exec: unknown command "remvoe" (did you mean "remove"?) (to run a command for a profile of that name, use `mfa-exec exec NAME`)\n',
    );
    const exce = await box.run(['exce', 'daily', '--', 'true']);
    expect(exce.stderr).toContain('unknown command "exce" (did you mean "exec"?)');
  });

  it('`mfa-exec version` suggests --version', async () => {
    const r = await box.run(['version']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "version" (did you mean "--version"?)');
  });

  it('a profile with a command-like name still runs, and an unknown profile is still "not found"', async () => {
    await box.writeConfig(
      `${CONFIG}\n[profile lsit]\nrole_arn = ${ROLE}\nsource_profile = daily_user\nmfa_serial = ${MFA}\n`,
    );
    try {
      const r = await box.run(['lsit', '--', 'true']);
      expect(r.stderr).not.toContain('unknown command');
      const p = await box.run(['dialy', '--', 'true']);
      expect(p.code).toBe(1);
      expect(p.stderr).toMatch(/^mfa-exec: profile "dialy" not found .*did you mean "daily"\?/);
    } finally {
      await box.writeConfig(CONFIG);
    }
  });
});

describe('the subshell says it started; a waiter says who holds the prompt (issue 14 item 6)', () => {
  it('a subshell prints one line on the terminal: the profile, the expiry and `exit`', async () => {
    // $SHELL is /bin/sh in the sandbox: it reads "exit" from the pty once the line is shown.
    const r = await inPty(['daily'], [{ when: 'to leave it', send: 'exit\r' }]);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(
      /mfa-exec: a subshell for profile "daily"; its credentials expire at \d\d:\d\d \(in \d+ min\); type `exit` to leave it\r\n/,
    );
  });

  it('a subshell is told once, on the terminal, when its credentials expire', async () => {
    const clock = await createTestClock();
    try {
      // The subshell itself moves the shared test clock a day ahead: mfa-exec's expiry timer is then due.
      const r = await inPty(
        ['daily'],
        [
          { when: 'to leave it', send: 'echo 86400000 > "$TEST_MFA_EXEC_CLOCK"\r' },
          { when: 'have expired', send: 'exit\r' },
        ],
        { env: clock.env },
      );
      expect(r.exitCode, r.output).toBe(0);
      const notice =
        'mfa-exec: the credentials of this subshell (profile "daily") have expired; type `exit` and run mfa-exec again for new ones, or use --ecs-server, which refreshes them\r\n';
      expect(r.output.split(notice).length - 1, r.output).toBe(1);
    } finally {
      await clock.cleanup();
    }
  });

  it('no line for a command, and none on stdout or stderr for a subshell without a terminal', async () => {
    const cmd = await inPty(['daily', '--', 'true']);
    expect(cmd.output).not.toContain('a subshell');
    const r = await box.run(['daily'], { input: 'exit\n' });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('a waiter names the process that holds the MFA prompt and how to reach it', async () => {
    await box.writeConfig(
      `${CONFIG}\n[profile daily_tty]\nrole_arn = ${ROLE}\nsource_profile = daily_user\nmfa_serial = ${MFA}\n`,
    );
    // The holder: at a terminal, waiting at its prompt (nobody answers; pty.py kills it at its timeout).
    const holder = inPty(['daily_tty', '--no-session', '--', 'true'], [], { timeout: 25 }).catch(() => undefined);
    const clock = await createTestClock();
    try {
      // The credentials lock is a file holding its holder's pid (adapters/lock.ts).
      const lockDir = join(box.dir, 'run', 'mfa-exec', 'locks');
      const holderPid = (): number | undefined => {
        if (!existsSync(lockDir)) return undefined;
        for (const f of readdirSync(lockDir).filter((n) => n.endsWith('.lock'))) {
          const n = Number.parseInt(readFileSync(join(lockDir, f), 'utf8'), 10);
          if (n > 0 && existsSync(`/proc/${n}/cmdline`)) return n;
        }
        return undefined;
      };
      for (let i = 0; i < 100 && holderPid() === undefined; i++) await new Promise((r) => setTimeout(r, 100));
      const pid = holderPid()!;
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('daily_tty');
      // A waiter has no terminal, so its notice goes to stderr; it is stopped once the notice is out.
      // It speaks after 3 s of waiting; `skipAhead` moves its clock past that once it waits.
      const waiterNotice = async (skipAhead?: TestClock): Promise<string> => {
        const waiter = spawn(process.execPath, [BIN, 'daily_tty', '--no-session', '--', 'true'], {
          env: { ...box.env, ...skipAhead?.env },
          detached: true,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const jump = skipAhead && setTimeout(() => skipAhead.advance(3050), 300);
        let stderr = '';
        await new Promise<void>((resolve) => {
          waiter.stderr.on('data', (d: Buffer) => {
            stderr += d.toString();
            if (stderr.includes('\n')) resolve();
          });
          waiter.on('close', () => resolve());
        });
        process.kill(-waiter.pid!, 'SIGKILL');
        clearTimeout(jump);
        return stderr;
      };
      // The holder heartbeats its lock in real time; a waiter ahead by 3.05 s still finds it fresh
      // (stale after 5 s), and the holder is running, so the notice is the one for a live prompt.
      expect(await waiterNotice(clock)).toBe(
        `mfa-exec: waiting for mfa-exec pid ${pid}, which is getting the same credentials: answer its MFA prompt, or, if it is a background job stopped at the prompt, bring it back with \`fg\`\n`,
      );
      // A background job that asks on the terminal is stopped by the shell (`[1]+ Stopped`): SIGSTOP is that state.
      // A stopped holder no longer heartbeats: this waiter waits its 3 s in real time, on real time.
      process.kill(pid, 'SIGSTOP');
      expect(await waiterNotice()).toBe(
        `mfa-exec: waiting for mfa-exec pid ${pid}, which is getting the same credentials: it is a stopped background job waiting at its MFA prompt: bring it to the foreground with \`fg\` and answer there\n`,
      );
      process.kill(pid, 'SIGKILL'); // the holder: no need to wait for pty.py's timeout
    } finally {
      await holder;
      await clock.cleanup();
      await box.writeConfig(CONFIG);
    }
  }, 45_000);
});

describe('small frictions (issue 14 item 7)', () => {
  it('a code typed with a space is accepted; a reused code says when the next one comes, without nested parentheses', async () => {
    const code = totpCode(SEED_TOTP);
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    await box.run(['clear', 'seeded']);
    await box.run(['seeded', '--mfa-token', spaced, '--', 'true']);
    await box.run(['clear', 'seeded']);
    const again = await box.run(['seeded', '--mfa-token', spaced, '--', 'true']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^mfa-exec: the MFA code for \S+ was already used once, and AWS rejects a code used twice \(run again with the next code, which the device shows in \d+ s\)\n$/,
    );
  });

  it('at a terminal, a reused code is not sent: mfa-exec says when the next one comes and asks for it', async () => {
    await box.writeConfig(
      `${CONFIG}\n[profile reuse_user]\n\n[profile reuse]\nrole_arn = ${REUSE_ROLE}\nsource_profile = reuse_user\nmfa_serial = ${REUSE_MFA}\n`,
    );
    try {
      await seedKey(box, 'reuse_user', { accessKeyId: REUSE_KEY_ID, secretAccessKey: REUSE_SECRET });
      const code = totpCode(REUSE_TOTP);
      const first = await box.run(['reuse', '--no-session', '--mfa-token', code, '--', 'true']);
      expect(first.code, first.stderr).toBe(0);
      await box.run(['clear', 'reuse']);
      const assumedBefore = sts.count('AssumeRole');
      // The local STS accepts the code of the next 30 s window too, as AWS tolerates some clock skew.
      const next = totpCode(REUSE_TOTP, new Date(Date.now() + 30_000));
      const r = await inPty(
        ['reuse', '--no-session', '--', 'true'],
        [
          { when: 'Enter MFA code', send: `${code}\r` },
          { when: 'Enter MFA code', send: `${next}\r` },
        ],
      );
      expect(r.exitCode, r.output).toBe(0);
      expect(r.output).toMatch(
        /that MFA code was already used once and AWS would reject it; type the next code, which the device shows in \d+ s/,
      );
      expect(r.output.split('Enter MFA code').length - 1).toBe(2);
      // The reused code never reached STS: one AssumeRole, with the next code.
      expect(sts.count('AssumeRole') - assumedBefore).toBe(1);
    } finally {
      await box.writeConfig(CONFIG);
    }
  });

  it('export --help describes --region for what export does with it', async () => {
    const r = await box.run(['export', '--help']);
    expect(r.stdout).toMatch(
      /--region REGION +region for STS, and the region written in the env, shell and ini output/,
    );
    expect(r.stdout).not.toContain('for STS and the child');
  });

  it('exec --help shows the profile as optional (AWS_PROFILE works)', async () => {
    const r = await box.run(['exec', '--help']);
    expect(r.stdout.split('\n')[0]).toMatch(/^Usage: mfa-exec exec \[<profile>\] /);
  });

  it('list shows the MFA device a chained profile inherits from its source', async () => {
    await box.writeConfig(`${CONFIG}\n[profile chained]\nrole_arn = ${ROLE}\nsource_profile = daily\n`);
    try {
      const rows = JSON.parse((await box.run(['list', '--json'])).stdout) as { profile: string; mfaSerial: string }[];
      expect(rows.find((r) => r.profile === 'chained')!.mfaSerial).toBe(MFA);
      const table = (await box.run(['list'])).stdout.split('\n').find((l) => l.startsWith('chained '))!;
      expect(table).toContain('mfa/daily');
    } finally {
      await box.writeConfig(CONFIG);
    }
  });
});

describe('the interactive profile picker (issue 14 item 8)', () => {
  /** `mfa-exec args` at a terminal: the picker's keys, typed as they are. */
  const drive = (args: string[], steps: PtyStep[]) => inPty(args, steps, { timeout: 40 });

  it('with no profile and no AWS_PROFILE at a terminal, a type-to-filter list picks the profile', async () => {
    const r = await drive(
      ['exec', '--', 'sh', '-c', 'echo "picked=$MFA_EXEC_PROFILE"'],
      [
        { when: 'Profile (type to filter)', send: 'dail' },
        // Filtered to daily and daily_user (nothing listed after it); down to the second, then Enter.
        { when: 'daily_user\r\n\r\n', send: '\x1b[B' },
        { when: '❯ daily_user', send: '\r' },
      ],
    );
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain('picked=daily_user');
  });

  it('Ctrl-C in the picker stops with exit 130 and runs nothing', async () => {
    const r = await drive(['exec', '--', 'sh', '-c', 'echo ran'], [{ when: 'Profile (type to filter)', send: '\x03' }]);
    expect(r.exitCode).toBe(130);
    expect(r.output).not.toContain('ran');
  });

  it('without a terminal it stays the usage error (exit 2)', async () => {
    const r = await box.run(['exec', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mfa-exec: no profile given /);
    const none = await box.run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: mfa-exec/);
  });
});

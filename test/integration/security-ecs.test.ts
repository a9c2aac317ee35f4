// Security round 2 (issue 10), `exec --ecs-server`: a [default] credential source that
// real SDK children (boto3, the JS SDK v3) would prefer over the served credentials; a
// refresh that needs an MFA code while an interactive subshell holds the terminal (a real
// pty); a credential_process whose Expiration turns to garbage (no hot loop, no crash).
// Rows 5 and 7 wait on expiries and back-off: they run on the test clock (test-clock.ts), and
// their child waits virtual seconds (clock-sleep), so half a minute of waiting takes a few seconds.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, makeSandbox, type Sandbox } from '../support/cli.js';
import { startFakeSts, type FakeSts } from '../support/fake-sts.js';
import { runInPty } from '../support/pty.js';
import { advanceDuring, createTestClock, type TestClock } from '../support/test-clock.js';

const ACCOUNT = '808080808080';
const OTHER_ACCOUNT = '909090909090';
const KEY_ID = 'AKIASECURITYECS00001';
const SECRET = 'SecurityEcsSecretKeyForTestsOnly/0123456';
const OTHER_KEY = 'AKIAOTHERDEFAULT0001';
const OTHER_SECRET = 'OtherDefaultSecretKeyForTestsOnly/012345';
// A device of this file's own, so codes used here never collide with other files'.
const TOTP = 'MNXW24DVORSXEIDTMVRXK4TJOR4SAZLD';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/SEC_ECS`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SEC_ECS_ROLE`;
// The profile of row 3 has a user and device of its own: its codes never collide with the codes typed in row 5.
const ECS_KEY_ID = 'AKIASECURITYECS00002';
const ECS_SECRET = 'SecurityEcsSecretKeyForTestsOnly/0123457';
const ECS_TOTP = 'NNSXS5DPOR2HA2LEMVZXI4TJNZTXG33O';
const ECS_MFA = `arn:aws:iam::${ACCOUNT}:mfa/SEC_ECS_B`;
const CLIENTS = join(ROOT, 'test/support/fixtures/clients');

let sts: FakeSts;
let box: Sandbox;
let clock: TestClock;

const CONFIG = `[profile sec_ecs_user]
region = eu-central-1

[profile sec_ecs_user_b]
region = eu-central-1

[profile ecs]
role_arn = ${ROLE}
source_profile = sec_ecs_user_b
mfa_serial = ${ECS_MFA}
mfa_process = totp-code TEST_TOTP_SECRET_B
region = eu-central-1

[profile prompted]
role_arn = ${ROLE}
source_profile = sec_ecs_user
mfa_serial = ${MFA}
region = eu-central-1
`;

beforeAll(async () => {
  clock = await createTestClock();
  sts = await startFakeSts({
    clock,
    users: [
      {
        userName: 'sec_ecs_user',
        accountId: ACCOUNT,
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET,
        mfaSerial: MFA,
        totpSecret: TOTP,
      },
      {
        userName: 'sec_ecs_user_b',
        accountId: ACCOUNT,
        accessKeyId: ECS_KEY_ID,
        secretAccessKey: ECS_SECRET,
        mfaSerial: ECS_MFA,
        totpSecret: ECS_TOTP,
      },
      // The key a careless [default] holds: another account.
      { userName: 'someone_else', accountId: OTHER_ACCOUNT, accessKeyId: OTHER_KEY, secretAccessKey: OTHER_SECRET },
    ],
    roles: [{ roleArn: ROLE, requireMfa: true }],
  });
  box = await makeSandbox({
    backend: 'file',
    env: { TEST_TOTP_SECRET: TOTP, TEST_TOTP_SECRET_B: ECS_TOTP, ...clock.env },
  });
  box.env.AWS_ENDPOINT_URL_STS = sts.url;
  await box.writeConfig(CONFIG);
  const added = await box.run(['add', 'sec_ecs_user', '--env'], {
    env: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET },
  });
  expect(added.code).toBe(0);
  const addedB = await box.run(['add', 'sec_ecs_user_b', '--env'], {
    env: { AWS_ACCESS_KEY_ID: ECS_KEY_ID, AWS_SECRET_ACCESS_KEY: ECS_SECRET },
  });
  expect(addedB.code).toBe(0);
});
afterAll(async () => {
  await box?.cleanup();
  await sts?.close();
  await clock?.cleanup();
});
beforeEach(async () => {
  sts.setCredentialLifetime(undefined);
  await box.writeConfig(CONFIG);
  await box.writeCredentials('');
});

const CHILDREN: [string, string[]][] = [
  ['boto3', ['python3', join(CLIENTS, 'boto3-identity.py')]],
  ['the JS SDK v3', [process.execPath, join(CLIENTS, 'js-identity.mjs')]],
];

describe('row 3: --ecs-server and a credential source in [default]', () => {
  it.each(CHILDREN)(
    'a [default] key in the credentials file, which %s would use instead of the served credentials, is refused naming file, section and key',
    async (_, child) => {
      await box.writeCredentials(
        `[default]\naws_access_key_id = ${OTHER_KEY}\naws_secret_access_key = ${OTHER_SECRET}\n`,
      );
      // The danger is real: this SDK, with the same files, takes [default]'s key.
      const { stdout } = await promisify(execFile)(child[0]!, child.slice(1), {
        env: { ...box.env, AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-central-1' },
      });
      expect(stdout.trim()).toBe(`arn:aws:iam::${OTHER_ACCOUNT}:user/someone_else`);

      const r = await box.run(['exec', 'ecs', '--ecs-server', '--', ...child]);
      expect(r.stdout).toBe(''); // the child never ran
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'mfa-exec: ~/.aws/credentials [default] sets aws_access_key_id: the command would use those credentials, not the ones --ecs-server serves (move the key into the store with `mfa-exec import default --scrub`, or run without --ecs-server)\n',
      );
    },
  );

  it('a [default] credential_process in the config file is refused too; a [default] with only a region serves boto3 and the JS SDK the role', async () => {
    await box.writeConfig(`${CONFIG}\n[default]\ncredential_process = echo nothing\n`);
    const refused = await box.run(['exec', 'ecs', '--ecs-server', '--', 'true']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('~/.aws/config [default] sets credential_process');
    expect(refused.stderr).toContain('remove credential_process from [default]');

    await box.writeConfig(`${CONFIG}\n[default]\nregion = eu-central-1\noutput = json\n`);
    for (const [, child] of CHILDREN) {
      const r = await box.run(['exec', 'ecs', '--ecs-server', '--', ...child]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/SEC_ECS_ROLE/`));
    }
  });
});

describe('row 5: a refresh needing an MFA code while the subshell holds the terminal', () => {
  /**
   * `exec prompted --ecs-server` at a terminal, the MFA code typed at its prompt, with an
   * interactive bash as the child (it takes the terminal's foreground, as a subshell does)
   * that waits `seconds` on the test clock; the clock runs ahead from when the child has
   * started (the typed code was used by then).
   */
  const subshellAtTerminal = (seconds: number, env: Record<string, string>) => {
    const started = join(box.dir, `started-${seconds}`);
    return advanceDuring(
      clock,
      runInPty({
        argv: [
          ...CLI,
          'exec',
          'prompted',
          '--ecs-server',
          '--',
          'bash',
          '--norc',
          '-i',
          '-c',
          `clock-sleep ${seconds} ${started}`,
        ],
        env,
        steps: [{ when: 'Enter MFA code', code: true }],
        timeout: 60,
      }),
      { ready: () => existsSync(started) },
    );
  };

  it('says so once on the terminal with how to refresh, backs off, never floods the shell, and never fails with setRawMode EIO', async () => {
    // 20 s credentials (session and role): the refresh ~7 s before expiry needs a new MFA code.
    sts.setCredentialLifetime(20);
    expect((await box.run(['clear'])).code).toBe(0); // no MFA session left from the tests above
    clock.startOfWindow(); // a code of a fresh window, typed long before its edge
    const r = await subshellAtTerminal(30, box.env);
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    const told = r.output.split('\n').filter((l) => l.includes('could not refresh the credentials served'));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain(
      `a new MFA code for ${MFA} is needed, but another process group (a subshell, another job) has the terminal, so mfa-exec cannot ask there`,
    );
    expect(told[0]).toContain('`env -u MFA_EXEC_PROFILE mfa-exec export prompted > /dev/null`');
    expect(r.output).not.toMatch(/setRawMode|EIO|\n\s+at /);
    expect(r.output.match(/mfa-exec:/g)).toHaveLength(1);
  }, 120_000);
  it('asks in a GUI prompt (zenity) where one is available, and the served credentials stay fresh', async () => {
    sts.setCredentialLifetime(20);
    expect((await box.run(['clear'])).code).toBe(0);
    const gui = join(box.dir, 'gui');
    mkdirSync(gui, { recursive: true });
    const log = join(box.dir, 'zenity.log');
    // zenity stand-in: logs its arguments, answers the code of the next 30 s window (never one used before).
    writeFileSync(
      join(gui, 'zenity'),
      `#!${process.execPath}
const { appendFileSync } = require('node:fs');
const { generateSync } = require(process.env.TEST_OTPLIB_PATH);
appendFileSync(${JSON.stringify(log)}, process.argv.slice(2).join(' ') + '\\n');
process.stdout.write(generateSync({ secret: process.env.TEST_TOTP_SECRET, epoch: Math.floor(Date.now() / 1000) + 30 }) + '\\n');
`,
      { mode: 0o755, flag: 'w' },
    );
    clock.startOfWindow();
    const r = await subshellAtTerminal(22, { ...box.env, DISPLAY: ':99', PATH: `${gui}:${box.env.PATH}` });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(r.output).not.toContain('could not refresh');
    expect(readFileSync(log, 'utf8')).toContain(
      `--entry --hide-text --title=mfa-exec --text=Enter the MFA code for ${MFA}`,
    );
  }, 120_000);
});

describe('row 7: a credential_process Expiration that turns to garbage under --ecs-server', () => {
  it('is told once, retried with back-off (no hot loop), and the server neither crashes nor leaves the child alone', async () => {
    const counter = join(box.dir, 'cp-runs');
    writeFileSync(counter, '');
    const cp = join(box.dir, 'cp-turning');
    // First run: valid 15 s credentials; every later run: "Expiration": "garbage".
    writeFileSync(
      cp,
      `#!/usr/bin/env node
const { appendFileSync, readFileSync } = require('node:fs');
appendFileSync(${JSON.stringify(counter)}, 'ran\\n');
const first = readFileSync(${JSON.stringify(counter)}, 'utf8').length === 4;
process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'ASIATURNING000000001', SecretAccessKey: 'tUrNiNg/K7MDENG/bPxRfiCYEXAMPLEKEY00001', SessionToken: 'token', Expiration: first ? new Date(Date.now() + 15000).toISOString() : 'garbage' }));
`,
      { mode: 0o755 },
    );
    await box.writeConfig(`${CONFIG}\n[profile turning]\ncredential_process = ${cp}\n`);
    const started = join(box.dir, 'turning-started');
    const r = await advanceDuring(
      clock,
      box.run(['exec', 'turning', '--ecs-server', '--', 'clock-sleep', '20', started]),
      {
        ready: () => existsSync(started),
      },
    );
    expect(r.code).toBe(0); // the child ran to its end, with the server beside it
    const runs = readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;
    // 0.1.0 ran it ~200 times a second; back-off allows a handful in 20 s.
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(6);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      'could not refresh the credentials served to the command: credential_process of profile "turning" printed an Expiration that is not an ISO 8601 time',
    );
    expect(r.stderr).not.toMatch(/\n\s+at |Invalid time value/);
  }, 60_000);
});

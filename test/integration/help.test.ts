// What a user meets first: --help of every command (usage, purpose, options, examples that
// really parse; exec's answers to what a user asks), the short usage with no arguments, did-you-mean for typos, and the
// `list` table with colour only on a terminal and never with NO_COLOR.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/args.js';
import { COMMANDS } from '../../src/cli/main.js';
import { BIN, ROOT, makeSandbox, type Sandbox } from '../support/cli.js';
import { CONTRACT_CONFIG, seedKey } from '../support/fixture.js';
import { runInPty } from '../support/pty.js';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ESC = '\x1b[';

let box: Sandbox;

beforeAll(async () => {
  box = await makeSandbox({ backend: 'file' });
  await box.writeConfig(CONTRACT_CONFIG);
});

afterAll(async () => {
  await box?.cleanup();
});

/** The words of the `mfa-exec …` invocations in a shell example (up to a pipe, redirection, `)` or comment). */
function invocations(example: string): string[][] {
  return [...example.matchAll(/(?:^|[\s($])mfa-exec((?:[ \t]+[^\s|;&)<>#]+)*)/g)].map((m) =>
    m[1]!
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => w.replace(/^(["'])(.*)\1$/, '$2')),
  );
}

// A few checks of what a user reads, rather than one generated test per command and rule
// comparing --help with the spec it is rendered from.
describe('--help of the commands', () => {
  /** The commands as `mfa-exec --help` lists them. */
  const listed = async (): Promise<string[]> =>
    [...(await box.run(['--help'])).stdout.matchAll(/^ {2}([a-z]+) {2,}\S/gm)].map((m) => m[1]!);

  it('every listed command has a usage line, a one-line purpose, its options and two to four examples that parse', async () => {
    const names = await listed();
    expect(names).toEqual(expect.arrayContaining(['exec', 'add', 'import', 'list', 'export', 'remove', 'clear']));
    // Both help forms of every command, run side by side (each is a fresh process).
    const runs = await Promise.all(
      names.map((name) => Promise.all([box.run([name, '--help']), box.run(['help', name])])),
    );
    for (const [i, name] of names.entries()) {
      const [r, viaHelp] = runs[i]!;
      expect(r.code, r.stderr).toBe(0);
      const [usage, blank, purpose] = r.stdout.split('\n');
      expect(usage, name).toMatch(new RegExp(`^Usage: mfa-exec ${name}\\b`));
      expect(blank).toBe('');
      expect(purpose!.length, `purpose of ${name}`).toBeGreaterThan(20);
      expect(r.stdout, name).toMatch(/\nOptions:\n(.*\n)*\s+-h, --help\s+show this help\n/);
      const examples = r.stdout
        .split('Examples:\n')[1]!
        .split('\n')
        .filter((l) => l.trim());
      expect(examples.length, `examples of ${name}`).toBeGreaterThanOrEqual(2);
      expect(examples.length, `examples of ${name}`).toBeLessThanOrEqual(4);
      // An example copied from the help parses: no unknown flag, no missing argument.
      for (const example of examples) {
        for (const words of invocations(example)) {
          const [first, ...rest] = words;
          expect(first!.startsWith('-'), `${example}: mfa-exec takes the command (or a profile) first`).toBe(false);
          const command = COMMANDS[first!] ? COMMANDS[first!]! : COMMANDS.exec!;
          expect(() => parseCommand(command.spec, COMMANDS[first!] ? rest : words), example).not.toThrow();
        }
      }
      expect(viaHelp.stdout, `help ${name}`).toBe(r.stdout);
    }
  });

  it('exec --help answers what a user asks: where the command goes, how long, which MFA source, the defaults', async () => {
    const help = (await box.run(['exec', '--help'])).stdout;
    // Options end at the command: `--` is optional, and the profile may come from AWS_PROFILE.
    expect(help).toContain('mfa-exec exec [<profile>] [options] [--] [<command> [args...]]');
    expect(help).toContain('(or: mfa-exec <profile> <command>; the profile defaults to AWS_PROFILE)');
    expect(help).toMatch(/--duration DURATION .*over 1h skips the MFA session \[default: duration_seconds, else 1h\]/);
    expect(help).toMatch(/--session-duration DURATION .*\[default: 8h\]/);
    expect(help).toMatch(/--prompt terminal\|totp\|ykman\|process\|osascript\|zenity\|kdialog .*\(MFA_EXEC_PROMPT\)/);
    expect(help).toMatch(/--debug .*secrets are never shown/);
    expect(help).toContain('mfa-exec prod -- terraform plan');
    // Each option on one line, wrapped nowhere: a user greps for a flag and reads its whole line.
    for (const line of help.split('Options:\n')[1]!.split('\n\n')[0]!.split('\n'))
      expect(line).toMatch(/^ {2}(-\w, )?( {4})?--/);
  });

  it('exec and export show the real uses: terraform, aws, a subshell, credential_process', async () => {
    const exec = (await box.run(['exec', '--help'])).stdout;
    expect(exec).toContain('terraform');
    expect(exec).toMatch(/-- aws /);
    expect(exec).toMatch(/subshell/);
    expect((await box.run(['export', '--help'])).stdout).toContain('credential_process');
  });
});

describe('the top level', () => {
  it('with no arguments prints a short usage on stderr and exits 2', async () => {
    const r = await box.run([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: mfa-exec /);
    expect(r.stderr.split('\n').length).toBeLessThanOrEqual(30);
  });

  it('--help prints the usage on stdout with every command, and exits 0', async () => {
    const r = await box.run(['--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await box.run(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('a mistyped command gets a did-you-mean and exits 2', async () => {
    const r = await box.run(['exprt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mfa-exec: unknown command "exprt" \(did you mean "export"\?\) \(.+\)\n$/);
  });

  it('a mistyped flag gets a did-you-mean and exits 2', async () => {
    const r = await box.run(['list', '--jsn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(did you mean --json?)');
  });

  it('a mistyped profile gets a did-you-mean', async () => {
    const r = await box.run(['exec', 'tset', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mfa-exec: profile "tset" not found.*did you mean "test"\?/);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});

describe('list output', () => {
  /** `mfa-exec args` in a pseudo-terminal: everything it wrote there. */
  async function inPty(args: string[], env: Record<string, string> = {}): Promise<string> {
    const r = await runInPty({ argv: [process.execPath, BIN, ...args], env: { ...box.env, ...env }, timeout: 30 });
    expect(r.timedOut).toBe(false);
    return r.output;
  }

  beforeAll(async () => {
    await seedKey(box, 'test_iam_user', { accessKeyId: KEY_ID, secretAccessKey: SECRET });
  });

  it('is an aligned table: profile, kind, source, role, MFA device, stored key by its last 4 characters', async () => {
    const r = await box.run(['list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PROFILE +KIND +SOURCE +ROLE +MFA DEVICE +KEY +SESSIONS$/);
    const row = (p: string) => lines.find((l) => l.startsWith(`${p} `))!;
    expect(row('test')).toMatch(/^test +role +test_iam_user +role\/CREATED_ROLE +mfa\/CREATED_MFA +- +-$/);
    expect(row('test_iam_user')).toMatch(/^test_iam_user +key +- +- +- +…MPLE +-$/);
    // Aligned: each column starts at the same offset in every line.
    for (const header of ['KIND', 'SOURCE', 'ROLE', 'MFA DEVICE', 'KEY', 'SESSIONS']) {
      const at = lines[0]!.indexOf(header);
      for (const line of lines.slice(1)) expect(line[at - 1], `${header} in "${line}"`).toBe(' ');
      for (const line of lines.slice(1)) expect(line[at], `${header} in "${line}"`).not.toBe(' ');
    }
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain(KEY_ID);
  });

  it('--json is an array with the contract field names, absent values null', async () => {
    const r = await box.run(['list', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        profile: 'test',
        kind: 'role',
        sourceProfile: 'test_iam_user',
        roleArn: 'arn:aws:iam::123456789012:role/CREATED_ROLE',
        mfaSerial: 'arn:aws:iam::123456789012:mfa/CREATED_MFA',
        hasStoredKey: false,
        sessions: [],
      },
      {
        profile: 'test_iam_user',
        kind: 'key',
        sourceProfile: null,
        roleArn: null,
        mfaSerial: null,
        hasStoredKey: true,
        sessions: [],
      },
    ]);
    expect(r.stdout).not.toContain(ESC);
  });

  it('has no colour codes when piped', async () => {
    const r = await box.run(['list']);
    expect(r.stdout).not.toContain(ESC);
  });

  it('has a bold header on a terminal', async () => {
    const out = await inPty(['list']);
    expect(out).toContain(`${ESC}1mPROFILE`);
    expect(out).toContain('…MPLE');
  });

  it('has no colour on a terminal with NO_COLOR set', async () => {
    const out = await inPty(['list'], { NO_COLOR: '1' });
    expect(out).toContain('PROFILE');
    expect(out).not.toContain(ESC);
  });

  it('errors: a red prefix on a terminal, exactly `mfa-exec: what (how to fix)` otherwise', async () => {
    const tty = await inPty(['list', '--jsn']);
    expect(tty).toContain(`${ESC}31mmfa-exec:${ESC}0m unknown option --jsn`);
    expect(await inPty(['list', '--jsn'], { NO_COLOR: '1' })).toMatch(
      /^mfa-exec: unknown option --jsn for list \(did you mean --json\?\) \(see `mfa-exec list --help`\)\r?\n$/,
    );
    const piped = await box.run(['list', '--jsn']);
    expect(piped.stderr).toBe(
      'mfa-exec: unknown option --jsn for list (did you mean --json?) (see `mfa-exec list --help`)\n',
    );
  });
});

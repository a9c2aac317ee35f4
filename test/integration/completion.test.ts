// Shell completion: the built CLI prints the scripts, and bash's completion function is run
// on sample command lines the way bash runs it on Tab (COMP_WORDS, COMP_CWORD, COMPREPLY).
// Profile names come from the sandbox's AWS config through `mfa-exec completion --profiles`.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeSandbox, type Sandbox } from '../support/cli.js';
import { CONTRACT_CONFIG } from '../support/fixture.js';

const run = promisify(execFile);

let box: Sandbox;
let env: Record<string, string>;
let bashScript: string;

/** Whether `shell` is installed (zsh and fish are optional on this machine). */
async function has(shell: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${shell}`]).then(
    () => true,
    () => false,
  );
}

/** Skip the test, with the package to install, when `shell` is missing; under CI=true that is a failure. */
async function requireShellOrSkip(ctx: { skip(note?: string): never }, shell: 'zsh' | 'fish'): Promise<void> {
  if (await has(shell)) return;
  const reason = `${shell} is not installed (apt-get install ${shell})`;
  if (process.env.CI === 'true') throw new Error(`completion tests cannot run under CI=true: ${reason}`);
  ctx.skip(reason);
}

/** COMPREPLY of the bash completion function for `line` (Tab pressed at its end); like bash, "=" is a word of its own. */
async function completeBash(line: string): Promise<string[]> {
  const words = line.split(' ').flatMap((w) => w.split(/(=)/));
  const program = `source "$SCRIPT"
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}
_mfa_exec mfa-exec "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', program, 'bash', ...words], {
    env: { ...env, SCRIPT: join(box.dir, 'mfa-exec.bash') },
  });
  return stdout.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  box = await makeSandbox({ backend: 'file' });
  await box.writeConfig(CONTRACT_CONFIG);
  // The scripts call `mfa-exec` from PATH, as they do once the package is installed.
  const bin = join(box.dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'mfa-exec'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(join(bin, 'mfa-exec'), 0o755);
  env = { ...box.env, PATH: `${bin}:${box.env.PATH}` };
  const r = await box.run(['completion', 'bash']);
  expect(r.code, r.stderr).toBe(0);
  bashScript = r.stdout;
  await writeFile(join(box.dir, 'mfa-exec.bash'), bashScript);
});

afterAll(async () => {
  await box?.cleanup();
});

describe('completion --profiles', () => {
  it('prints the profile names of AWS_CONFIG_FILE, one per line', async () => {
    const r = await box.run(['completion', '--profiles']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['test', 'test_iam_user']);
  });

  it('reads the config named by AWS_CONFIG_FILE at the time it runs', async () => {
    const other = join(box.dir, 'other-config');
    await writeFile(other, '[profile elsewhere]\nregion = eu-west-1\n');
    const r = await box.run(['completion', '--profiles'], { env: { AWS_CONFIG_FILE: other } });
    expect(r.stdout).toBe('elsewhere\n');
  });
});

describe('bash completion', () => {
  it('is valid bash and registers the function for mfa-exec', async () => {
    await run('bash', ['-n', join(box.dir, 'mfa-exec.bash')]);
    expect(bashScript).toContain('complete -F _mfa_exec mfa-exec');
  });

  it('completes command names: mfa-exec ex<TAB> → exec, export', async () => {
    expect(await completeBash('mfa-exec ex')).toEqual(['exec', 'export']);
  });

  it('offers every command of `mfa-exec --help`', async () => {
    const help = (await box.run(['--help'])).stdout;
    const commands = [...help.split('Commands:\n')[1]!.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!);
    expect(commands).toContain('completion');
    const offered = await completeBash('mfa-exec ');
    for (const c of commands) expect(offered).toContain(c);
  });

  it("completes a command's flags: mfa-exec export p --fo<TAB> → --format", async () => {
    expect(await completeBash('mfa-exec export p --fo')).toEqual(['--format']);
  });

  it('completes exec flags after the profile shorthand: mfa-exec test --no-s<TAB>', async () => {
    expect(await completeBash('mfa-exec test --no-s')).toEqual(['--no-session']);
  });

  it('does not offer flags of other commands', async () => {
    expect(await completeBash('mfa-exec list --')).toEqual(['--backend', '--debug', '--help', '--json']);
  });

  it('completes profile names from the AWS config: mfa-exec exec te<TAB>', async () => {
    expect(await completeBash('mfa-exec exec te')).toEqual(['test', 'test_iam_user']);
  });

  // Issue 10 row 4: `compgen -W "$(…)"` expanded the word list a second time, so a section
  // name ran as code on Tab. A real bash runs the completion function on such a name.
  it('never runs a profile name as code: a section [$(id>$HOME/pwned)] is offered quoted, and nothing runs', async () => {
    const evil = '$(id>$HOME/pwned)';
    await box.writeCredentials(`[${evil}]\naws_access_key_id = AKIAEVILEXAMPLE00001\n`);
    try {
      const pwned = join(box.env.HOME!, 'pwned');
      for (const line of ['mfa-exec ', 'mfa-exec exec ', 'mfa-exec remove ', 'mfa-exec setup --admin-profile ']) {
        const offered = await completeBash(line);
        expect(offered, line).toContain('\\$\\(id\\>\\$HOME/pwned\\)');
        expect(existsSync(pwned), `${line}<TAB> ran the section name`).toBe(false);
      }
      expect(await completeBash('mfa-exec exec te')).toEqual(['test', 'test_iam_user']);
    } finally {
      await box.writeCredentials('');
    }
  });

  it('options end at the command: after the profile, the next word completes as a command, and its flags as its own', async () => {
    const commands = await completeBash('mfa-exec test mfa-exe');
    expect(commands).toContain('mfa-exec');
    expect(commands).not.toContain('test_iam_user');
    expect(await completeBash('mfa-exec exec test --region eu-west-1 mfa-exe')).toContain('mfa-exec');
    // A flag after the child's command is the child's: no mfa-exec flags are offered there.
    expect(await completeBash('mfa-exec test sh --no-s')).not.toContain('--no-session');
    expect(await completeBash('mfa-exec test --no-s')).toEqual(['--no-session']);
    expect(await completeBash('mfa-exec test --prompt t')).toEqual(['terminal', 'totp']);
  });

  it('completes profile names as the first word (the exec shorthand)', async () => {
    expect(await completeBash('mfa-exec test_')).toEqual(['test_iam_user']);
  });

  it('completes flag values: --backend and the shell of completion', async () => {
    expect(await completeBash('mfa-exec export test --backend ')).toEqual(['file', 'keychain']);
    expect(await completeBash('mfa-exec export test --backend=f')).toEqual(['file']);
    expect(await completeBash('mfa-exec completion ')).toEqual(['bash', 'fish', 'zsh']);
  });

  it('offers nothing for a free-form value such as --region', async () => {
    expect(await completeBash('mfa-exec exec test --region ')).toEqual([]);
  });

  it("completes the child's command after --", async () => {
    // print-env is a fixture program on the sandbox PATH.
    expect(await completeBash('mfa-exec test -- print-e')).toContain('print-env');
    expect(await completeBash('mfa-exec exec test --duration 1h -- print-e')).toContain('print-env');
    // No profile names or mfa-exec flags in the child's command line.
    expect(await completeBash('mfa-exec test -- print-env --')).not.toContain('--duration');
  });
});

describe('the shell to complete for', () => {
  it('comes from $SHELL when none is named', async () => {
    const r = await box.run(['completion'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('#compdef mfa-exec\n')).toBe(true);
  });

  it('is a usage error when $SHELL is not a supported shell', async () => {
    const r = await box.run(['completion'], { env: { SHELL: '/bin/sh' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^mfa-exec: no shell named, and \$SHELL \(\/bin\/sh\) is not bash, zsh or fish \(.*completion bash\|zsh\|fish.*\)\n$/,
    );
  });

  it('is a usage error with a did-you-mean for an unknown shell', async () => {
    const r = await box.run(['completion', 'bassh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean "bash"?');
  });
});

describe('zsh and fish completion', () => {
  /** `mfa-exec completion SHELL` saved as `name` in the sandbox and passed by `SHELL -n`; the file's path. */
  async function syntaxChecked(shell: 'zsh' | 'fish', name: string): Promise<string> {
    const r = await box.run(['completion', shell]);
    const file = join(box.dir, name);
    await writeFile(file, r.stdout);
    await run(shell, ['-n', file]);
    return file;
  }

  it('zsh: a #compdef script with every command', async () => {
    const r = await box.run(['completion', 'zsh']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#compdef mfa-exec\n/);
    expect(r.stdout).toContain("'export:Print the temporary credentials");
    expect(r.stdout).toContain('compdef _mfa_exec mfa-exec');
  });

  it('zsh: the script passes zsh -n', async (ctx) => {
    await requireShellOrSkip(ctx, 'zsh');
    await syntaxChecked('zsh', '_mfa-exec');
  });

  it('fish: a script of complete commands', async () => {
    const r = await box.run(['completion', 'fish']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('complete -c mfa-exec -n __mfa_exec_first -a export');
  });

  it('fish: completes commands, flags, profiles and the child', async (ctx) => {
    await requireShellOrSkip(ctx, 'fish');
    const file = await syntaxChecked('fish', 'mfa-exec.fish');
    const complete = async (line: string) => {
      const { stdout } = await run('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], { env });
      return stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]!)
        .sort();
    };
    expect(await complete('mfa-exec ex')).toEqual(['exec', 'export']);
    expect(await complete('mfa-exec export p --fo')).toEqual(['--format']);
    expect(await complete('mfa-exec exec te')).toEqual(['test', 'test_iam_user']);
    expect(await complete('mfa-exec test -- print-e')).toContain('print-env');
  });
});

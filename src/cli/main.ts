// The CLI entry: picks the command, parses its flags, runs it, and is the one place
// that turns results and typed errors into an exit status.

import { homedir } from 'node:os';
import { loadAwsFiles } from '../adapters/aws-files.js';
import { hasTerminal } from '../adapters/picker.js';
import { profileNames } from '../core/config.js';
import { MfaExecError } from '../core/errors.js';
import { closest, editDistance } from '../core/suggest.js';
import { COMMON_FLAGS, commandHelp, parseCommand, type CommandSpec, type Flags, type Parsed } from './args.js';
import { addCommand } from './commands/add.js';
import { clearCommand } from './commands/clear.js';
import { completionCommand } from './commands/completion.js';
import { doctorCommand } from './commands/doctor.js';
import { execCommand } from './commands/exec.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { listCommand } from './commands/list.js';
import { loginCommand } from './commands/login.js';
import { removeCommand } from './commands/remove.js';
import { rotateCommand } from './commands/rotate.js';
import { setupCommand } from './commands/setup.js';
import { totpCommand } from './commands/totp.js';
import { createContext, type Context } from './context.js';
import { reportError } from './errors.js';
import { writeStdout } from './output.js';
import * as specs from './specs.js';

export { flushStdout } from './output.js';

declare const MFA_EXEC_VERSION: string;

/** A command: its spec and its run function, typed together, then kept by name. */
interface Command {
  spec: CommandSpec;
  parse(argv: string[], env: Record<string, string | undefined>): Parsed;
  run(ctx: Context, parsed: Parsed): Promise<number>;
}

function command<F extends Flags>(
  spec: CommandSpec<F>,
  run: (ctx: Context, parsed: Parsed<F>) => Promise<number>,
): Command {
  return {
    spec,
    parse: (argv, env) => parseCommand(spec, argv, env),
    run: (ctx, parsed) => run(ctx, parsed as Parsed<F>),
  };
}

/**
 * Every command, by name. All are in the one bundle chunk: measured, loading them lazily
 * split the bundle into many small chunks whose module loading cost more than it saved.
 */
export const COMMANDS: Record<string, Command> = {
  exec: command(specs.execSpec, execCommand),
  add: command(specs.addSpec, addCommand),
  import: command(specs.importSpec, importCommand),
  list: command(specs.listSpec, listCommand),
  export: command(specs.exportSpec, exportCommand),
  remove: command(specs.removeSpec, removeCommand),
  clear: command(specs.clearSpec, clearCommand),
  setup: command(specs.setupSpec, setupCommand),
  doctor: command(specs.doctorSpec, doctorCommand),
  rotate: command(specs.rotateSpec, rotateCommand),
  login: command(specs.loginSpec, loginCommand),
  totp: command(specs.totpSpec, totpCommand),
  completion: command(specs.completionSpec, (ctx, parsed) => completionCommand(ctx, parsed, COMMANDS)),
};

const USAGE = `Usage: mfa-exec <profile> -- <command> [args...]
       mfa-exec <command> [options]

Runs commands with MFA-gated temporary AWS credentials; long-lived keys stay in the OS keychain.

Commands:
${Object.values(COMMANDS)
  .map(({ spec }) => `  ${spec.name.padEnd(12)}${spec.purpose.split('. ')[0]!.replace(/\.$/, '')}`)
  .join('\n')}

Run \`mfa-exec <command> --help\` for a command's options and examples.
`;

/** Words a user may type for the top-level flags (`mfa-exec version`). */
const TOP_LEVEL_WORDS = ['--version', '--help'];

/**
 * The command `word` is a typo of: a prefix of one (3 letters or more), or within an edit
 * distance of half its length, at most 2 (`remvoe`, `exce`, `version`). Stricter than flag
 * suggestions, since a word that is no command is most often a profile name.
 */
function commandGuess(word: string): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.min(2, Math.floor(w.length / 2));
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of [...Object.keys(COMMANDS), ...TOP_LEVEL_WORDS]) {
    const name = c.replace(/^--/, '');
    // Lengths further apart than the limit are further apart in edits too (this runs on every
    // `mfa-exec PROFILE`, where the word is most often a short profile name).
    const score =
      w.length >= 3 && c.startsWith(w)
        ? 0.5
        : Math.abs(name.length - w.length) > limit
          ? Infinity
          : editDistance(w, name);
    if (score <= limit && score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/** Every flag of the exec shorthand (common and credential flags), for reading words before the command. */
const FLAGS: Flags = { ...specs.execSpec.flags, ...COMMON_FLAGS };

function isKnownFlag(word: string): boolean {
  const name = word.replace(/^-+/, '').split('=')[0]!;
  return name in FLAGS || Object.values(FLAGS).some((f) => f.short === name);
}

/** Index of the first word before `--` that is not a flag or a flag's value, or -1. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const w = argv[i]!;
    if (!w.startsWith('-')) return i;
    const name = w.replace(/^-+/, '');
    const spec = FLAGS[name] ?? Object.values(FLAGS).find((f) => f.short === name);
    if (spec?.type === 'string' && !w.includes('=')) i++;
  }
  return -1;
}

/** Run the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = { ...process.env },
): Promise<number> {
  let debug = false;
  try {
    // With no words at all: the profile picker at a terminal (exec), else the short usage.
    if (argv.length === 0 && !hasTerminal()) {
      process.stderr.write(USAGE);
      return 2;
    }
    const first = argv[0] ?? '--';
    if (first === '--version' || first === '-v') {
      writeStdout(`${MFA_EXEC_VERSION}\n`);
      return 0;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      const topic = argv[1] && COMMANDS[argv[1]];
      writeStdout(topic ? commandHelp(topic.spec, env) : USAGE);
      return 0;
    }
    let name: string;
    let rest: string[];
    // Flags may come before the command (`mfa-exec --debug list`), as with aws-vault.
    const at = commandIndex(argv);
    const word = at < 0 ? undefined : argv[at]!;
    if (word !== undefined && COMMANDS[word]) {
      name = word;
      rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
    } else if (first.startsWith('-') && first !== '--' && !isKnownFlag(first)) {
      const guess = closest(first.replace(/^-+/, '').split('=')[0]!, Object.keys(FLAGS));
      throw new MfaExecError('usage', `unknown option ${first}${guess ? ` (did you mean --${guess}?)` : ''}`, {
        hint: 'see `mfa-exec --help`',
      });
    } else {
      // `mfa-exec <profile> [opts] -- cmd` is shorthand for `exec`; a typo of a command name is
      // not, whatever follows it (`mfa-exec remvoe foo`), unless a profile has that name.
      const guess = word === undefined ? undefined : commandGuess(word);
      if (guess && !profileNames(loadAwsFiles(env, env.HOME || homedir())).includes(word!)) {
        throw new MfaExecError('usage', `unknown command "${word}" (did you mean "${guess}"?)`, {
          hint: 'to run a command for a profile of that name, use `mfa-exec exec NAME`',
        });
      }
      name = 'exec';
      rest = argv;
    }
    const command = COMMANDS[name]!;
    const parsed = command.parse(rest, env);
    debug = parsed.values.debug === true;
    if (parsed.values.help) {
      writeStdout(commandHelp(command.spec, env));
      return 0;
    }
    const ctx = createContext({ env, debug, backend: parsed.values.backend ?? 'keychain' });
    return await command.run(ctx, parsed);
  } catch (e) {
    return reportError(e, debug);
  }
}

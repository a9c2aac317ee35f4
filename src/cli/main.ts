// The CLI entry: picks the command, parses its flags, runs it, and is the one place
// that turns results and typed errors into an exit status.

import { homedir } from 'node:os';
import { loadAwsFiles } from '../adapters/aws-files.js';
import { profileNames } from '../core/config.js';
import { MfaExecError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { COMMON_FLAGS, commandHelp, parseCommand, type CommandSpec, type Parsed } from './args.js';
import { addCommand, addSpec } from './commands/add.js';
import { clearCommand, clearSpec } from './commands/clear.js';
import { completionCommand, completionSpec } from './commands/completion.js';
import { execCommand, execSpec } from './commands/exec.js';
import { exportCommand, exportSpec } from './commands/export.js';
import { importCommand, importSpec } from './commands/import.js';
import { listCommand, listSpec } from './commands/list.js';
import { loginCommand, loginSpec } from './commands/login.js';
import { removeCommand, removeSpec } from './commands/remove.js';
import { doctorCommand, doctorSpec } from './commands/doctor.js';
import { rotateCommand, rotateSpec } from './commands/rotate.js';
import { setupCommand, setupSpec } from './commands/setup.js';
import { totpCommand, totpSpec } from './commands/totp.js';
import { createContext, type Context } from './context.js';
import { reportError } from './errors.js';

declare const MFA_EXEC_VERSION: string;

type Run = (ctx: Context, parsed: Parsed) => Promise<number>;

/** Every command, by name. */
export const COMMANDS: Record<string, { spec: CommandSpec; run: Run }> = {
  exec: { spec: execSpec, run: execCommand },
  add: { spec: addSpec, run: addCommand },
  import: { spec: importSpec, run: importCommand },
  list: { spec: listSpec, run: listCommand },
  export: { spec: exportSpec, run: exportCommand },
  remove: { spec: removeSpec, run: removeCommand },
  clear: { spec: clearSpec, run: clearCommand },
  setup: { spec: setupSpec, run: setupCommand },
  doctor: { spec: doctorSpec, run: doctorCommand },
  rotate: { spec: rotateSpec, run: rotateCommand },
  login: { spec: loginSpec, run: loginCommand },
  totp: { spec: totpSpec, run: totpCommand },
  completion: { spec: completionSpec, run: (ctx, parsed) => completionCommand(ctx, parsed, COMMANDS) },
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

/** Run the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[], env: Record<string, string | undefined> = { ...process.env }): Promise<number> {
  const debug = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).includes('--debug');
  try {
    if (argv.length === 0) {
      process.stderr.write(USAGE);
      return 2;
    }
    const first = argv[0]!;
    if (first === '--version' || first === '-v') {
      process.stdout.write(`${MFA_EXEC_VERSION}\n`);
      return 0;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      const topic = argv[1] && COMMANDS[argv[1]];
      process.stdout.write(topic ? commandHelp(topic.spec) : USAGE);
      return 0;
    }
    let name: string;
    let rest: string[];
    if (COMMANDS[first]) {
      name = first;
      rest = argv.slice(1);
    } else if (first.startsWith('-') && first !== '--') {
      const guess = closest(first.replace(/^-+/, ''), Object.keys(COMMON_FLAGS));
      throw new MfaExecError('usage', `unknown option ${first}${guess ? ` (did you mean --${guess}?)` : ''}`, { hint: 'see `mfa-exec --help`' });
    } else {
      // `mfa-exec <profile> [opts] -- cmd` is shorthand for `exec`; a typo of a command name is not.
      const guess = argv.length === 1 ? closest(first, Object.keys(COMMANDS)) : undefined;
      if (guess && !profileNames(loadAwsFiles(env, env.HOME || homedir())).includes(first)) {
        throw new MfaExecError('usage', `unknown command "${first}" (did you mean "${guess}"?)`, { hint: 'to run a subshell for a profile of that name, use `mfa-exec exec NAME`' });
      }
      name = 'exec';
      rest = argv;
    }
    const command = COMMANDS[name]!;
    const parsed = parseCommand(command.spec, rest);
    if (parsed.values.help) {
      process.stdout.write(commandHelp(command.spec));
      return 0;
    }
    const ctx = createContext({ env, debug, backend: parsed.values.backend as string | undefined });
    return await command.run(ctx, parsed);
  } catch (e) {
    return reportError(e, debug);
  }
}

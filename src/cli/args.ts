// Argument parsing with node:util parseArgs: no dependency on the hot path. Each command
// declares its flags once; help text, completion and validation all come from that table.

import { parseArgs } from 'node:util';
import { MfaExecError } from '../core/errors.js';
import { closest } from '../core/suggest.js';

/** One flag of a command. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. "CODE". */
  arg?: string;
  description: string;
  default?: string;
}

/** One command: its usage line, purpose, flags and examples. */
export interface CommandSpec {
  name: string;
  usage: string;
  purpose: string;
  flags: Record<string, FlagSpec>;
  examples: string[];
}

/** Flags every command accepts. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  backend: {
    type: 'string',
    arg: 'keychain|file',
    description: 'where keys and cached credentials live (MFA_EXEC_BACKEND)',
    default: 'keychain',
  },
  debug: { type: 'boolean', description: 'explain each step on stderr (secrets are never shown)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Flags of the commands that get credentials (exec, export). */
export const CREDENTIAL_FLAGS: Record<string, FlagSpec> = {
  duration: {
    type: 'string',
    short: 'd',
    arg: 'DURATION',
    description: 'lifetime of the role credentials (e.g. 1h, 3600); over 1h skips the MFA session',
    default: 'duration_seconds, else 1h',
  },
  'session-duration': { type: 'string', arg: 'DURATION', description: 'lifetime of the MFA session', default: '8h' },
  'no-session': {
    type: 'boolean',
    description: 'AssumeRole with the long-lived key and the MFA code directly, as the AWS CLI does',
  },
  region: {
    type: 'string',
    arg: 'REGION',
    description: 'region for STS and the child',
    default: 'AWS_REGION, AWS_DEFAULT_REGION, the profile',
  },
  'mfa-token': { type: 'string', short: 't', arg: 'CODE', description: 'the current MFA code (no prompt)' },
  prompt: {
    type: 'string',
    arg: 'terminal|totp|ykman|process|osascript|zenity|kdialog',
    description: 'where the MFA code comes from (MFA_EXEC_PROMPT)',
    default: 'mfa_process if set, else terminal',
  },
};

/** The parsed command line of one command. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Everything after `--`, or undefined when there was no `--`. */
  rest: string[] | undefined;
}

/** Parse `argv` (the words after the command name) against `spec`; bad flags are usage errors with a did-you-mean. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const dash = argv.indexOf('--');
  const head = dash < 0 ? argv : argv.slice(0, dash);
  const flags = { ...spec.flags, ...COMMON_FLAGS };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(flags)) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: head, options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals, rest: dash < 0 ? undefined : argv.slice(dash + 1) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const unknown = msg.match(/Unknown option '(-{1,2}[^']+)'/)?.[1];
    if (unknown) {
      const guess = closest(unknown.replace(/^-+/, ''), Object.keys(flags));
      throw new MfaExecError(
        'usage',
        `unknown option ${unknown} for ${spec.name}${guess ? ` (did you mean --${guess}?)` : ''}`,
        {
          hint: `see \`mfa-exec ${spec.name} --help\``,
        },
      );
    }
    throw new MfaExecError('usage', `${msg.split('\n')[0]!.replace(/\.$/, '')}`, {
      hint: `see \`mfa-exec ${spec.name} --help\``,
    });
  }
}

/** The --help text of a command. */
export function commandHelp(spec: CommandSpec): string {
  const flags = { ...spec.flags, ...COMMON_FLAGS };
  const rows = Object.entries(flags).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.arg ? ` ${f.arg}` : ''}`;
    return [left, `${f.description}${f.default ? ` [default: ${f.default}]` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return [
    `Usage: ${spec.usage}`,
    '',
    spec.purpose,
    '',
    'Options:',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

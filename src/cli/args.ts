// Argument parsing with node:util parseArgs: no dependency on the hot path (commander 14 was
// measured against it; see the README's performance section). Each flag is declared once, typed,
// with its choices and its environment fallback; parsing, validation, --help and completion
// all read that declaration.

import { parseArgs } from 'node:util';
import { MfaExecError } from '../core/errors.js';
import { closest } from '../core/suggest.js';

/** One flag of a command. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help for a free value, e.g. "CODE" (flags with `choices` show those instead). */
  readonly arg?: string;
  /** The only values accepted; help and completion show them. */
  readonly choices?: readonly string[];
  /** What a value is called in errors ("unknown prompt driver …"); default: the flag name. */
  readonly noun?: string;
  /** Environment variable read when the flag is not given (validated the same way). */
  readonly env?: string;
  /** Completion offers the profile names of the AWS config for this flag's value. */
  readonly completeProfiles?: boolean;
  readonly description: string;
  /** What applies when neither the flag nor its variable is given (help text). */
  readonly default?: string;
}

/** The flags of a command, by long name. */
export type Flags = Readonly<Record<string, FlagSpec>>;

/** One command: its usage line, purpose, flags and examples. */
export interface CommandSpec<F extends Flags = Flags> {
  readonly name: string;
  readonly usage: string;
  readonly purpose: string;
  readonly flags: F;
  readonly examples: readonly string[];
  /** What the first positional word is, for completion: profile names, or fixed words. */
  readonly positional?: 'profile' | readonly string[];
  /**
   * Options end at the command, as with `sudo` and `env`: after this many positionals (the
   * profile), the first word that is not an option starts the child's command line.
   */
  readonly commandAfter?: number;
}

/** A command spec with its flag names and value types kept (for typed `Parsed` values). */
export function defineCommand<const F extends Flags>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}

/** Flags every command accepts. */
export const COMMON_FLAGS = {
  backend: {
    type: 'string',
    choices: ['keychain', 'file'],
    noun: 'backend',
    env: 'MFA_EXEC_BACKEND',
    description: 'where keys and cached credentials live',
    default: 'keychain',
  },
  debug: { type: 'boolean', description: 'explain each step on stderr (secrets are never shown)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const satisfies Flags;

/** Prompt drivers a user can choose with --prompt / MFA_EXEC_PROMPT. */
export const PROMPT_DRIVERS = ['terminal', 'totp', 'ykman', 'process', 'osascript', 'zenity', 'kdialog'] as const;
/** A prompt driver's name. */
export type PromptDriver = (typeof PROMPT_DRIVERS)[number];

/** `--prompt`: where an MFA code comes from. */
export const PROMPT_FLAG = {
  type: 'string',
  choices: PROMPT_DRIVERS,
  noun: 'prompt driver',
  env: 'MFA_EXEC_PROMPT',
  description: 'where the MFA code comes from',
  default: 'a stored TOTP seed, else mfa_process, else terminal',
} as const satisfies FlagSpec;

/** `--mfa-token`: the code itself. */
export const MFA_TOKEN_FLAG = {
  type: 'string',
  short: 't',
  arg: 'CODE',
  description: 'the current MFA code (no prompt)',
} as const satisfies FlagSpec;

/** Flags of the commands that get credentials (exec, export, login). */
export const CREDENTIAL_FLAGS = {
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
  'mfa-token': MFA_TOKEN_FLAG,
  prompt: PROMPT_FLAG,
} as const satisfies Flags;

/** The type a flag's value has once parsed. */
type ValueOf<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S extends { readonly multiple: true }
    ? string[]
    : S extends { readonly choices: readonly (infer C)[] }
      ? C
      : string;

/** The parsed values of `F`, each optional (absent when neither given nor in the environment). */
export type Values<F extends Flags> = { -readonly [K in keyof F]?: ValueOf<F[K]> };

/** The parsed command line of one command. */
export interface Parsed<F extends Flags = Flags> {
  values: Values<F & typeof COMMON_FLAGS>;
  positionals: string[];
  /** The child's command line: everything after `--`, or from the command word on (see `commandAfter`); else undefined. */
  rest: string[] | undefined;
}

/** The parsed command line of the command `S` (a `defineCommand` result). */
export type ParsedOf<S> = S extends CommandSpec<infer F> ? Parsed<F> : never;

/** Every flag of `spec`, common ones included. */
export function allFlags(spec: CommandSpec): Flags {
  return { ...spec.flags, ...COMMON_FLAGS };
}

/** The flag `word` names (`--name`, `--name=v`, `-s`), if `flags` has it. */
function flagOf(word: string, flags: Flags): FlagSpec | undefined {
  if (word.startsWith('--')) return flags[word.slice(2).split('=')[0]!];
  return Object.values(flags).find((f) => f.short !== undefined && word === `-${f.short}`);
}

/**
 * Split `argv` into mfa-exec's words and the child's command line. Without `commandAfter`,
 * the child's words are those after `--`. With it, they also start at the first word that is
 * neither an option nor one of the first `commandAfter` positionals: options end at the command.
 */
function splitAtCommand(spec: CommandSpec, argv: string[]): { head: string[]; rest: string[] | undefined } {
  const flags = allFlags(spec);
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') return { head: argv.slice(0, i), rest: argv.slice(i + 1) };
    if (w.startsWith('-') && w !== '-') {
      const f = flagOf(w, flags);
      if (f?.type === 'string' && !w.includes('=')) i++;
      continue;
    }
    if (spec.commandAfter !== undefined && positionals >= spec.commandAfter) {
      return { head: argv.slice(0, i), rest: argv.slice(i) };
    }
    positionals++;
  }
  return { head: argv, rest: undefined };
}

const usageHint = (spec: CommandSpec) => `see \`mfa-exec ${spec.name} --help\``;

/** `value` checked against the flag's choices; `from` says where it came from in the message. */
function checkChoice(name: string, f: FlagSpec, value: string, from: string): void {
  if (f.choices && !f.choices.includes(value)) {
    throw new MfaExecError('usage', `unknown ${f.noun ?? name} "${value}"${from}`, {
      hint: `use one of ${f.choices.join(', ')}`,
    });
  }
}

/**
 * Parse `argv` (the words after the command name) against `spec`: typed values, choices checked,
 * absent flags taken from their environment variable. Bad flags are usage errors with a did-you-mean.
 */
export function parseCommand<F extends Flags>(
  spec: CommandSpec<F>,
  argv: string[],
  env: Record<string, string | undefined> = {},
): Parsed<F> {
  const { head, rest } = splitAtCommand(spec, argv);
  const flags = allFlags(spec);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(flags)) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: head, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const unknown = msg.match(/Unknown option '(-{1,2}[^']+)'/)?.[1];
    if (unknown) {
      const guess = closest(unknown.replace(/^-+/, ''), Object.keys(flags));
      const forChild = spec.commandAfter !== undefined && !guess;
      throw new MfaExecError(
        'usage',
        `unknown option ${unknown} for ${spec.name}${guess ? ` (did you mean --${guess}?)` : ''}`,
        {
          hint: forChild
            ? `if it is meant for the command, put the command first: \`mfa-exec PROFILE -- COMMAND ${unknown} …\``
            : usageHint(spec),
        },
      );
    }
    throw new MfaExecError('usage', `${msg.split('\n')[0]!.replace(/\.$/, '')}`, { hint: usageHint(spec) });
  }
  const values: Record<string, unknown> = { ...parsed.values };
  for (const [name, f] of Object.entries(flags)) {
    const given = values[name];
    if (typeof given === 'string') checkChoice(name, f, given, '');
    else if (given === undefined && f.env && env[f.env]) {
      checkChoice(name, f, env[f.env]!, ` in ${f.env}`);
      values[name] = env[f.env];
    }
  }
  return { values: values as Parsed<F>['values'], positionals: parsed.positionals, rest };
}

/** The value part of a flag's help line: its choices, or its placeholder. */
function argOf(f: FlagSpec): string {
  if (f.choices) return ` ${f.choices.join('|')}`;
  return f.arg ? ` ${f.arg}` : '';
}

/** The --help text of a command; `env` shows which flags its variables set now. */
export function commandHelp(spec: CommandSpec, env: Record<string, string | undefined> = {}): string {
  const rows = Object.entries(allFlags(spec)).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${argOf(f)}`;
    const now = f.env && env[f.env] ? ` [now: ${env[f.env]}, from ${f.env}]` : '';
    const right = `${f.description}${f.env ? ` (${f.env})` : ''}${f.default ? ` [default: ${f.default}]` : ''}${now}`;
    return [left, right] as const;
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

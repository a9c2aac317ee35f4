// `mfa-exec completion [bash|zsh|fish]`: a completion script generated from the CommandSpec
// tables, so commands and flags never drift from the parser. Profile names are read when
// Tab is pressed, through `mfa-exec completion --profiles`, which reads the AWS files the
// way every other command does.

import { basename } from 'node:path';
import { profileNames } from '../../core/config.js';
import { MfaExecError } from '../../core/errors.js';
import { closest } from '../../core/suggest.js';
import { allFlags, type CommandSpec, type FlagSpec, type ParsedOf } from '../args.js';
import type { completionSpec } from '../specs.js';
import type { Context } from '../context.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** `completion`: its usage, flags and examples. */

/** What a word completes to: profile names, fixed words, or nothing that can be listed. */
type Values = { kind: 'profiles' } | { kind: 'choices'; words: string[] } | { kind: 'none' };

interface FlagModel {
  name: string;
  short?: string;
  description: string;
  /** undefined for a boolean flag. */
  values?: Values;
}

interface CommandModel {
  name: string;
  purpose: string;
  flags: FlagModel[];
  positional: Values;
}

/** Run `completion`: the script for the named shell (else $SHELL's), or with --profiles the profile names. */
export async function completionCommand(
  ctx: Context,
  parsed: ParsedOf<typeof completionSpec>,
  commands: Record<string, { spec: CommandSpec }>,
): Promise<number> {
  if (parsed.values.profiles) {
    const names = profileNames(ctx.files());
    if (names.length) ctx.stdout(`${names.join('\n')}\n`);
    return 0;
  }
  if (parsed.positionals.length > 1) {
    throw new MfaExecError('usage', 'completion takes one shell name', {
      hint: 'use `mfa-exec completion bash|zsh|fish`',
    });
  }
  const shell = pickShell(parsed.positionals[0], ctx.env.SHELL);
  const cmds = Object.values(commands).map(({ spec }) => commandModel(spec));
  ctx.stdout(shell === 'bash' ? bashScript(cmds) : shell === 'zsh' ? zshScript(cmds) : fishScript(cmds));
  return 0;
}

function pickShell(named: string | undefined, envShell: string | undefined): Shell {
  if (named !== undefined) {
    if ((SHELLS as readonly string[]).includes(named)) return named as Shell;
    const guess = closest(named, SHELLS);
    throw new MfaExecError('usage', `no completion for shell "${named}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
      hint: 'use `mfa-exec completion bash|zsh|fish`',
    });
  }
  const fromEnv = envShell ? basename(envShell) : '';
  if ((SHELLS as readonly string[]).includes(fromEnv)) return fromEnv as Shell;
  throw new MfaExecError('usage', `no shell named, and $SHELL (${envShell || 'unset'}) is not bash, zsh or fish`, {
    hint: 'name it: `mfa-exec completion bash|zsh|fish`',
  });
}

function commandModel(spec: CommandSpec): CommandModel {
  const flags = Object.entries(allFlags(spec)).map(([name, f]) => ({
    name,
    ...(f.short ? { short: f.short } : {}),
    description: f.description,
    ...(f.type === 'string' ? { values: flagValues(f) } : {}),
  }));
  return {
    name: spec.name,
    purpose: spec.purpose.split('. ')[0]!.replace(/\.$/, ''),
    flags,
    positional: positionalValues(spec),
  };
}

/** A flag's values, as declared with it: its choices, profile names, or none that can be listed. */
function flagValues(f: FlagSpec): Values {
  if (f.choices) return { kind: 'choices', words: [...f.choices] };
  if (f.completeProfiles) return { kind: 'profiles' };
  return { kind: 'none' };
}

/** The first positional word, as the spec declares it: profile names, or fixed words. */
function positionalValues(spec: CommandSpec): Values {
  if (spec.positional === 'profile') return { kind: 'profiles' };
  if (spec.positional) return { kind: 'choices', words: [...spec.positional] };
  return { kind: 'none' };
}

/** Entries of `items` grouped by `key` (first-seen order). */
function groupBy<T>(items: T[], key: (t: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups];
}

function valuedFlags(cmds: CommandModel[]): { cmd: string; flag: FlagModel; values: Values }[] {
  return cmds.flatMap((c) =>
    c.flags.flatMap((flag) => (flag.values ? [{ cmd: c.name, flag, values: flag.values }] : [])),
  );
}

function bashValues(v: Values): string {
  if (v.kind === 'profiles') return '_mfa_exec_add_profiles';
  if (v.kind === 'choices') return `COMPREPLY=($(compgen -W "${v.words.join(' ')}" -- "$cur"))`;
  return ':';
}

function bashScript(cmds: CommandModel[]): string {
  const names = cmds.map((c) => c.name).join(' ');
  const exec = cmds.find((c) => c.name === 'exec');
  const execValueFlags = (exec?.flags ?? [])
    .filter((f) => f.values)
    .flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])])
    .join('|');
  const valueArms = groupBy(valuedFlags(cmds), (x) => bashValues(x.values)).map(([action, xs]) => {
    const patterns = xs.flatMap(({ cmd, flag }) => [
      `"${cmd} --${flag.name}"`,
      ...(flag.short ? [`"${cmd} -${flag.short}"`] : []),
    ]);
    return `    ${patterns.join('|')}) ${action}; return 0 ;;`;
  });
  const flagArms = cmds.map(
    (c) => `    ${c.name}) COMPREPLY=($(compgen -W "${c.flags.map((f) => `--${f.name}`).join(' ')}" -- "$cur")) ;;`,
  );
  const positionalArms = groupBy(
    cmds.filter((c) => c.positional.kind !== 'none'),
    (c) => bashValues(c.positional),
  ).map(([action, cs]) => `    ${cs.map((c) => c.name).join('|')}) ${action} ;;`);
  return `# bash completion for mfa-exec: commands, flags, and the profile names of your AWS config.
# Load it from ~/.bashrc with: source <(mfa-exec completion bash)
_mfa_exec_profiles() {
  command mfa-exec completion --profiles 2>/dev/null
}
# Profile names starting with $cur, shell-quoted. Never through \`compgen -W\`, which would expand
# a name such as $(cmd) a second time: a section name in the AWS files must not run code.
_mfa_exec_add_profiles() {
  local name quoted
  while IFS= read -r name; do
    if [[ $name == "$cur"* ]]; then
      printf -v quoted '%q' "$name"
      COMPREPLY+=("$quoted")
    fi
  done < <(_mfa_exec_profiles)
}
# The child's command line from word $1 on: as a command of its own.
_mfa_exec_child() {
  if declare -F _command_offset >/dev/null; then
    _command_offset "$1"
  elif ((COMP_CWORD == $1)); then
    COMPREPLY=($(compgen -c -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
_mfa_exec() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd i
  COMPREPLY=()
  # After \`--\` comes the child's command line: complete it as a command of its own.
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ \${COMP_WORDS[i]} == -- ]]; then
      _mfa_exec_child $((i + 1))
      return 0
    fi
  done
  if ((COMP_CWORD == 1)); then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "${names}" -- "$cur"))
      _mfa_exec_add_profiles
    fi
    return 0
  fi
  case \${COMP_WORDS[1]} in
    ${cmds.map((c) => c.name).join('|')}) cmd=\${COMP_WORDS[1]} ;;
    -*) return 0 ;;
    *) cmd=exec ;; # \`mfa-exec <profile> ...\` is shorthand for exec
  esac
  # exec: options end at the command. The first word after the profile that is not an option
  # (nor an option's value) starts the child's command line.
  if [[ $cmd == exec ]]; then
    local seen=0 j=1
    [[ \${COMP_WORDS[1]} == exec ]] && j=2
    for ((; j < COMP_CWORD; j++)); do
      case \${COMP_WORDS[j]} in
        ${execValueFlags}) [[ \${COMP_WORDS[j+1]} == = ]] && ((j++)); ((j++)) ;;
        -*) ;;
        *) if ((seen)); then _mfa_exec_child $j; return 0; fi; seen=1 ;;
      esac
    done
    # The word at the cursor is the command itself when the profile is already there.
    if ((seen)) && [[ $cur != -* ]]; then
      case $prev in
        ${execValueFlags}|=) ;;
        *) _mfa_exec_child "$COMP_CWORD"; return 0 ;;
      esac
    fi
  fi
  # --flag=value: bash splits the word at "=".
  [[ $prev == = && COMP_CWORD -gt 2 ]] && prev=\${COMP_WORDS[COMP_CWORD-2]}
  case "$cmd $prev" in
${valueArms.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    case $cmd in
${flagArms.join('\n')}
    esac
    return 0
  fi
  case $cmd in
${positionalArms.join('\n')}
  esac
  return 0
}
complete -F _mfa_exec mfa-exec
`;
}

/** `s` as one single-quoted word for sh-like shells (bash, zsh). */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function zshValues(v: Values): string {
  if (v.kind === 'profiles') return 'compadd -- ${(f)"$(_mfa_exec_profiles)"}';
  if (v.kind === 'choices') return `compadd -- ${v.words.join(' ')}`;
  return "_message 'value'";
}

function zshScript(cmds: CommandModel[]): string {
  const describe = (name: string, text: string) => shQuote(`${name.replace(/:/g, '\\:')}:${text}`);
  const valueArms = groupBy(valuedFlags(cmds), (x) => zshValues(x.values)).map(([action, xs]) => {
    const patterns = xs.flatMap(({ cmd, flag }) => [
      `"${cmd} --${flag.name}"`,
      ...(flag.short ? [`"${cmd} -${flag.short}"`] : []),
    ]);
    return `    ${patterns.join('|')}) ${action}; return ;;`;
  });
  const flagArms = cmds.map(
    (c) => `    ${c.name}) flags=(${c.flags.map((f) => describe(`--${f.name}`, f.description)).join(' ')}) ;;`,
  );
  const positionalArms = groupBy(
    cmds.filter((c) => c.positional.kind !== 'none'),
    (c) => zshValues(c.positional),
  ).map(([action, cs]) => `    ${cs.map((c) => c.name).join('|')}) ${action} ;;`);
  return `#compdef mfa-exec
# zsh completion for mfa-exec: commands, flags, and the profile names of your AWS config.
# Save it as _mfa-exec in a directory of $fpath, or load it after compinit with:
#   source <(mfa-exec completion zsh)
_mfa_exec_profiles() {
  command mfa-exec completion --profiles 2>/dev/null
}
_mfa_exec() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} cmd i
  local -a commands flags
  # After \`--\` comes the child's command line: complete it as a command of its own.
  for ((i = 2; i < CURRENT; i++)); do
    if [[ \${words[i]} == -- ]]; then
      shift $i words
      ((CURRENT -= i))
      _normal
      return
    fi
  done
  if ((CURRENT == 2)); then
    if [[ $cur == -* ]]; then
      compadd -- --help --version
    else
      commands=(${cmds.map((c) => describe(c.name, c.purpose)).join(' ')})
      _describe -t commands 'command' commands
      compadd -- \${(f)"$(_mfa_exec_profiles)"}
    fi
    return
  fi
  case \${words[2]} in
    ${cmds.map((c) => c.name).join('|')}) cmd=\${words[2]} ;;
    -*) return ;;
    *) cmd=exec ;; # \`mfa-exec <profile> ...\` is shorthand for exec
  esac
  case "$cmd $prev" in
${valueArms.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    case $cmd in
${flagArms.join('\n')}
    esac
    _describe -t options 'option' flags
    return
  fi
  case $cmd in
${positionalArms.join('\n')}
  esac
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _mfa_exec "$@"
else
  compdef _mfa_exec mfa-exec
fi
`;
}

/** `s` as one single-quoted fish word. */
function fishQuote(s: string): string {
  return `'${s.replace(/[\\']/g, '\\$&')}'`;
}

function fishValues(v: Values): string {
  if (v.kind === 'profiles') return `-a ${fishQuote('(__mfa_exec_profiles)')}`;
  if (v.kind === 'choices') return `-a ${fishQuote(v.words.join(' '))}`;
  return '';
}

function fishScript(cmds: CommandModel[]): string {
  const names = cmds.map((c) => c.name).join(' ');
  const lines: string[] = [];
  for (const c of cmds) {
    lines.push(`complete -c mfa-exec -n __mfa_exec_first -a ${c.name} -d ${fishQuote(c.purpose)}`);
  }
  lines.push(`complete -c mfa-exec -n __mfa_exec_first -a '(__mfa_exec_profiles)' -d profile`);
  lines.push(`complete -c mfa-exec -n __mfa_exec_first -l help -s h -d 'show help'`);
  lines.push(`complete -c mfa-exec -n __mfa_exec_first -l version -s v -d 'print the version'`);
  for (const c of cmds) {
    const when = fishQuote(`__mfa_exec_using ${c.name}`);
    for (const f of c.flags) {
      const value = f.values ? ` -x ${fishValues(f.values)}`.trimEnd() : '';
      lines.push(
        `complete -c mfa-exec -n ${when} -l ${f.name}${f.short ? ` -s ${f.short}` : ''}${value} -d ${fishQuote(f.description)}`,
      );
    }
    if (c.positional.kind !== 'none') lines.push(`complete -c mfa-exec -n ${when} ${fishValues(c.positional)}`);
  }
  return `# fish completion for mfa-exec: commands, flags, and the profile names of your AWS config.
# Save it as ~/.config/fish/completions/mfa-exec.fish, or: mfa-exec completion fish | source
function __mfa_exec_profiles
    command mfa-exec completion --profiles 2>/dev/null
end
# True when the word being completed is the first argument.
function __mfa_exec_first
    test (count (commandline -opc)) -eq 1
end
# True when the command line (before any \`--\`) runs one of the commands in $argv.
function __mfa_exec_using
    set -l tokens (commandline -opc)
    contains -- -- $tokens; and return 1
    test (count $tokens) -ge 2; or return 1
    set -l cmd $tokens[2]
    if not contains -- $cmd ${names}
        string match -q -- '-*' $cmd; and return 1
        set cmd exec # \`mfa-exec <profile> ...\` is shorthand for exec
    end
    contains -- $cmd $argv
end
function __mfa_exec_after_dash
    contains -- -- (commandline -opc)
end
# After \`--\` comes the child's command line: complete it as a command of its own.
function __mfa_exec_child
    set -l tokens (commandline -opc)
    set -e tokens[1..(contains -i -- -- $tokens)]
    complete -C (string join ' ' -- $tokens (commandline -ct))
end
complete -c mfa-exec -f
complete -c mfa-exec -n __mfa_exec_after_dash -a '(__mfa_exec_child)'
${lines.join('\n')}
`;
}

// The READMEs cannot drift from the CLI: every `mfa-exec <command>` and `--flag` they show
// (in fenced code blocks and inline code) exists in that command's --help, every command of
// `mfa-exec --help` is documented, and the MFA_EXEC_* variables they name are exactly the code's.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, makeSandbox, type Sandbox } from '../support/cli.js';

const READMES = ['README.md', 'README.ja.md'];
const TOP_LEVEL_FLAGS = ['--help', '--version'];

let box: Sandbox;
let commands: string[];
/** `--help` text per command. */
const helps = new Map<string, string>();

beforeAll(async () => {
  box = await makeSandbox({ backend: 'file' });
  const top = await box.run(['--help']);
  commands = [...top.stdout.split('Commands:\n')[1]!.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]!);
  for (const c of commands) helps.set(c, (await box.run([c, '--help'])).stdout);
});

afterAll(async () => {
  await box?.cleanup();
});

/** Other tools whose flags a README may quote (comparison, migration). */
const OTHER_TOOLS = /aws-vault|granted|\bassume\b|aws cli/i;

/**
 * The code of a Markdown text: fenced blocks line by line, and each inline code span.
 * `ours` is false for code about another tool: on a line naming it, or in a table column headed by it.
 */
function codeOf(markdown: string): { code: string; ours: boolean }[] {
  const out: { code: string; ours: boolean }[] = [];
  let fenced = false;
  let header: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      out.push({ code: line, ours: !OTHER_TOOLS.test(line) });
      continue;
    }
    const cells = line.trim().startsWith('|')
      ? line
          .trim()
          .replace(/^\||\|$/g, '')
          .split(/(?<!\\)\|/)
      : undefined;
    header = cells ? (header ?? cells) : undefined;
    (cells ?? [line]).forEach((cell, i) => {
      const ours = cells ? !OTHER_TOOLS.test(header![i] ?? '') : !OTHER_TOOLS.test(line);
      for (const m of cell.matchAll(/(`+)(.+?)\1/g)) out.push({ code: m[2]!.replace(/\\\|/g, '|'), ours });
    });
  }
  return out;
}

/** One `mfa-exec WORD rest…` invocation: the words up to a pipe, `;`, `&&`, `)`, redirection or comment. */
interface Invocation {
  line: string;
  words: string[];
}

function invocations(code: { code: string }[]): Invocation[] {
  return code.flatMap(({ code: line }) =>
    [...line.matchAll(/(?:^|[\s($"'=])mfa-exec((?:[ \t]+[^\s|;&)<>#`]+)*)/g)].map((m) => ({
      line,
      words: m[1]!
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => w.replace(/^["']|["']$/g, '')),
    })),
  );
}

/** Whether `inv` is the shorthand `mfa-exec <profile> [flags] -- cmd`. */
function isShorthand(inv: Invocation): boolean {
  return /^((-\S+)(\s+[^-\s]\S*)?\s+)*--(\s|$)/.test(`${inv.words.slice(1).join(' ')} `);
}

/** Profile names the README uses: declared in sections, given to a command, or before `--`. */
function usedProfiles(markdown: string, all: Invocation[]): Set<string> {
  const out = new Set([...markdown.matchAll(/^\s*\[(?:profile\s+)?([\w.@-]+)\]\s*$/gm)].map((m) => m[1]!));
  for (const inv of all) {
    const [first, second] = inv.words;
    if (first && commands.includes(first) && second && !second.startsWith('-')) out.add(second);
    else if (first && isShorthand(inv)) out.add(first);
  }
  return out;
}

/** The command an invocation runs, or undefined for `mfa-exec --version` and the like. */
function commandOf(inv: Invocation, profiles: Set<string>): { command?: string; problem?: string } {
  const [first] = inv.words;
  if (first === undefined || first.startsWith('-')) return {};
  if (first === 'help' || commands.includes(first)) return { command: first === 'help' ? undefined : first };
  // `mfa-exec <profile> [flags] -- cmd` and `mfa-exec <profile>` (a subshell) are exec.
  if (/^[<[$]|^[A-Z_]+$|…/.test(first) || profiles.has(first) || isShorthand(inv)) return { command: 'exec' };
  return {
    problem: `\`mfa-exec ${first}\` in "${inv.line.trim()}": "${first}" is not a command (${commands.join(', ')}), nor a profile the README declares or uses elsewhere`,
  };
}

/** Long flags in the words of an invocation, before a standalone `--` (what follows belongs to the child). */
function flagsOf(inv: Invocation): string[] {
  const dash = inv.words.indexOf('--');
  return (dash < 0 ? inv.words : inv.words.slice(0, dash))
    .filter((w) => /^--[a-z]/.test(w))
    .map((w) => w.replace(/=.*$/, ''));
}

/** Every MFA_EXEC_* environment variable in the source (read, or set for a child); build constants excluded. */
function variablesOfSource(): Set<string> {
  const out = new Set<string>();
  const constants = new Set<string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/\bMFA_EXEC_[A-Z0-9_]+\b/g)) out.add(m[0]);
        for (const m of text.matchAll(/declare const (MFA_EXEC_[A-Z0-9_]+)/g)) constants.add(m[1]!);
      }
    }
  };
  walk(join(ROOT, 'src'));
  return new Set([...out].filter((v) => !constants.has(v)));
}

for (const file of READMES) {
  describe(file, () => {
    let text: string;
    let code: { code: string; ours: boolean }[];
    let profiles: Set<string>;
    beforeAll(() => {
      text = readFileSync(join(ROOT, file), 'utf8');
      code = codeOf(text);
      profiles = usedProfiles(text, invocations(code));
    });

    it("every `mfa-exec <command>` it shows is a command, and every flag exists in that command's --help", () => {
      const problems: string[] = [];
      const all = invocations(code);
      expect(all.length).toBeGreaterThan(0);
      for (const inv of all) {
        const { command, problem } = commandOf(inv, profiles);
        if (problem) {
          problems.push(problem);
          continue;
        }
        const help = command ? helps.get(command)! : TOP_LEVEL_FLAGS.join(' ');
        for (const flag of flagsOf(inv)) {
          if (!new RegExp(`(^|\\s)${flag}(\\s|$)`, 'm').test(help))
            problems.push(
              `${flag} in "${inv.line.trim()}" is not in \`mfa-exec${command ? ` ${command}` : ''} --help\``,
            );
        }
      }
      expect(problems).toEqual([]);
    });

    it("every flag it mentions on its own (`--scrub`, `--duration 4h`) exists in some command's --help", () => {
      const known = [...helps.values(), TOP_LEVEL_FLAGS.join(' ')].join('\n');
      const flags = new Set(code.flatMap((c) => (c.ours ? (c.code.match(/^\s*(--[a-z][a-z0-9-]*)/)?.[1] ?? []) : [])));
      expect([...flags].filter((f) => !new RegExp(`(^|\\s)${f}(\\s|$)`, 'm').test(known))).toEqual([]);
    });

    it('documents every command of `mfa-exec --help`', () => {
      const shown = new Set(invocations(code).map((inv) => inv.words[0]));
      expect(commands.filter((c) => !shown.has(c))).toEqual([]);
    });

    it('names only MFA_EXEC_* variables that the code reads or sets, and all of them', () => {
      const read = variablesOfSource();
      const named = new Set([...text.matchAll(/\bMFA_EXEC_[A-Z0-9_]+/g)].map((m) => m[0]));
      expect([...named].filter((v) => !read.has(v))).toEqual([]);
      expect([...read].filter((v) => !named.has(v))).toEqual([]);
    });
  });
}

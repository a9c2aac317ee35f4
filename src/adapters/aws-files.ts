// Reads the AWS config and credentials files the way the AWS SDK for JavaScript
// does (@smithy/core/config `parseIni`, `getConfigData`, `parseKnownFiles`), but
// synchronously, in one pass, and failing clearly on lines the SDK would skip.
// The SDK's parser is not exported (only async loaders that swallow errors, and
// importing them costs ~30 ms), so this is a re-implementation of its rules.

import { closeSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { INDEXED_SIZE, openIndexed, openWithStat, type IndexedFile, type Ranges } from './config-index.js';
import type { ParsedAwsFiles } from '../core/config.js';
import { MfaExecError } from '../core/errors.js';
import { scanIni } from '../core/ini-edit.js';

export type { ParsedAwsFiles } from '../core/config.js';

/** One AWS file's text, with its path and the label messages show for it. */
export interface AwsFileText {
  path: string;
  label: string;
  text: string;
}

// The SDK's `[prefix name]` form: `[profile x]`, `[sso-session x]`, `[services x]`, quotes allowed.
const PREFIXED = /^([\w-]+)\s(["'])?([\w@+.%:/-]+)\2$/;

/**
 * Read both AWS files (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/…); a missing file reads as empty.
 * Sections are parsed when first read (see `parseAwsFiles`): a command pays for the profiles it uses.
 */
export function loadAwsFiles(env: Record<string, string | undefined>, homedir: string): ParsedAwsFiles {
  return parseAwsFiles(
    readAwsFile(env, homedir, 'AWS_CONFIG_FILE', 'config'),
    readAwsFile(env, homedir, 'AWS_SHARED_CREDENTIALS_FILE', 'credentials'),
    { lazy: true },
  );
}

/**
 * loadAwsFiles for the warm path: a config file of INDEXED_SIZE bytes or more is read through its
 * section index in `indexDir` (config-index.ts), only the sections a lookup needs when the index
 * has them. Call `done` once the lookups are over: with `true` (they all succeeded) it writes what
 * a whole-file read learned, for the next run; either way it closes the file.
 */
export function loadAwsFilesIndexed(
  env: Record<string, string | undefined>,
  homedir: string,
  indexDir: string,
  now: () => number = Date.now,
): { files: ParsedAwsFiles; done(succeeded: boolean): void } {
  const credentials = readAwsFile(env, homedir, 'AWS_SHARED_CREDENTIALS_FILE', 'credentials');
  const { path, label } = awsFilePath(env, homedir, 'AWS_CONFIG_FILE', 'config');
  const opened = failAsConfig(label, 'AWS_CONFIG_FILE', () => openWithStat(path));
  if (opened === undefined)
    return { files: parseAwsFiles({ path, label, text: '' }, credentials, { lazy: true }), done: () => undefined };
  if (opened.stat.size < INDEXED_SIZE) {
    const text = failAsConfig(label, 'AWS_CONFIG_FILE', () => {
      try {
        return readFileSync(opened.fd, 'utf8');
      } finally {
        closeSync(opened.fd);
      }
    });
    return { files: parseAwsFiles({ path, label, text }, credentials, { lazy: true }), done: () => undefined };
  }
  const indexed = openIndexed(indexDir, path, opened.fd, opened.stat);
  try {
    const sections = indexedSections({ path, label }, indexed, Number(opened.stat.size));
    // The lookups run lazily, while the caller resolves the chain: the file stays open until done.
    return {
      files: parseAwsFiles({ path, label, text: '' }, credentials, { lazy: true, configSections: sections }),
      done: (succeeded) => {
        if (succeeded) indexed.save(now());
        indexed.close();
      },
    };
  } catch (e) {
    indexed.close();
    throw e;
  }
}

/** Where an AWS file is (`variable`, else ~/.aws/`fallback`), and how messages name it. */
function awsFilePath(env: Record<string, string | undefined>, homedir: string, variable: string, fallback: string) {
  const given = env[variable] || join(homedir, '.aws', fallback);
  const path = given.startsWith('~/') ? join(homedir, given.slice(2)) : given;
  const label =
    path === homedir ? '~' : path.startsWith(join(homedir, '/')) ? `~/${path.slice(join(homedir, '/').length)}` : path;
  return { path, label };
}

/** `read()`, with a failure to read the file as a config error naming it. */
function failAsConfig<T>(label: string, variable: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw new MfaExecError('config', `cannot read ${label}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      hint: `check that ${label} is a readable file, or point ${variable} elsewhere`,
      cause: e,
    });
  }
}

/** One AWS file's text (empty when it does not exist). */
function readAwsFile(
  env: Record<string, string | undefined>,
  homedir: string,
  variable: string,
  fallback: string,
): AwsFileText {
  const { path, label } = awsFilePath(env, homedir, variable, fallback);
  const text = failAsConfig(label, variable, () => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw e;
    }
  });
  return { path, label, text };
}

/**
 * The config file's sections through its index: a lookup the index has is answered from the
 * text of the sections it lists (only those are read, and parsed by indexFile as the whole file
 * would be); any other lookup, a list of names or the ignored sections read the whole file once,
 * and what its lookups find is learned for the index.
 */
function indexedSections(file: { path: string; label: string }, indexed: IndexedFile, size: number): FileSections {
  let whole: FileSections | undefined;
  const full = (): FileSections => {
    if (whole) return whole;
    // (With a line break added when the file does not end with one: no offset goes past `size`.)
    const text = indexed.read([[0, size]]);
    // Section offsets are string offsets: the same as byte offsets unless the file has non-ASCII text.
    const toBytes =
      Buffer.byteLength(text, 'utf8') === text.length
        ? (at: number) => at
        : (at: number) => Buffer.byteLength(text.slice(0, at), 'utf8');
    return (whole = indexFile({ ...file, text }, 'config', true, (key, sections) =>
      indexed.learn(
        key,
        sections.map((s): [number, number] => [toBytes(s.at), Math.min(toBytes(s.end), size)]),
      ),
    ));
  };
  let fromIndex: FileSections | undefined;
  const known = (kind: Kind, name: string): FileSections | undefined => {
    if (whole || indexed.ranges(`${kind} ${name}`) === undefined) return undefined;
    if (!fromIndex) {
      const starts = new Map<number, number>();
      for (const key of indexed.keys()) for (const [start, end] of indexed.ranges(key)!) starts.set(start, end);
      const ranges: Ranges = [...starts].sort((a, b) => a[0] - b[0]);
      fromIndex = indexFile({ ...file, text: indexed.read(ranges) }, 'config', true);
    }
    return fromIndex;
  };
  return {
    checkAll: () => full().checkAll(),
    has: (kind, name) => (known(kind, name) ?? full()).has(kind, name),
    names: (kind) => full().names(kind),
    ignored: () => full().ignored(),
    record: (kind, name) => (known(kind, name) ?? full()).record(kind, name),
  };
}

/**
 * Parse the two files' text into profiles (credentials overriding config) and services; malformed lines → 'config'
 * error naming file:line. Headers are indexed at once (a malformed header fails here); with `lazy`, the lines of a
 * section are parsed on its profile's first read, so a bad line in a section nobody reads is not reported (the SDK
 * skips such lines anyway); without it, every line is checked now.
 */
export function parseAwsFiles(
  config: AwsFileText,
  credentials: AwsFileText,
  opts: { lazy?: boolean; configSections?: FileSections } = {},
): ParsedAwsFiles {
  const fromConfig = opts.configSections ?? indexFile(config, 'config', !!opts.lazy);
  const fromCredentials = indexFile(credentials, 'credentials', !!opts.lazy);
  if (!opts.lazy) {
    fromConfig.checkAll();
    fromCredentials.checkAll();
  }
  // As the SDK: [profile default] replaces [default] in the config file
  // (only once it holds a setting: the SDK creates a section with its first value).
  let plainDefault: boolean | undefined;
  const hasPlainDefault = () => (plainDefault ??= fromConfig.has('default', 'default'));
  const inConfig = (name: string) => fromConfig.has('profile', name) || (name === 'default' && hasPlainDefault());
  const configProfile = (name: string): Record<string, string> | undefined => {
    const values = fromConfig.record('profile', name);
    if (name === 'default' && hasPlainDefault() && (values === undefined || Object.keys(values).length === 0))
      return fromConfig.record('default', 'default');
    return values;
  };
  const profileNames = () => {
    const configNames = fromConfig.names('profile');
    if (hasPlainDefault() && !configNames.includes('default')) configNames.push('default');
    return keyOrder([...configNames, ...fromCredentials.names('profile')]);
  };

  // Copy only what both files set (the rest is shared: treat the result as read-only).
  const merged = (name: string): Record<string, string> | undefined => {
    const fromCfg = inConfig(name) ? configProfile(name) : undefined;
    const fromCred = fromCredentials.record('profile', name);
    return fromCfg && fromCred ? Object.assign(Object.create(null), fromCfg, fromCred) : (fromCfg ?? fromCred);
  };
  let ignoredSections: ParsedAwsFiles['ignoredSections'] | undefined;
  return {
    configPath: config.path,
    credentialsPath: credentials.path,
    configLabel: config.label,
    credentialsLabel: credentials.label,
    profiles: lazyRecords(profileNames, (n) => inConfig(n) || fromCredentials.has('profile', n), merged),
    credentialsProfiles: lazyRecords(
      () => fromCredentials.names('profile'),
      (n) => fromCredentials.has('profile', n),
      (n) => fromCredentials.record('profile', n),
    ),
    services: lazyRecords(
      () => fromConfig.names('services'),
      (n) => fromConfig.has('services', n),
      (n) => fromConfig.record('services', n),
    ),
    ssoSessions: lazyRecords(
      () => fromConfig.names('sso-session'),
      (n) => fromConfig.has('sso-session', n),
      (n) => fromConfig.record('sso-session', n),
    ),
    get ignoredSections() {
      return (ignoredSections ??= [...fromConfig.ignored(), ...fromCredentials.ignored()]);
    },
  };
}

type Kind = 'profile' | 'default' | 'services' | 'sso-session';

/** One `[header]` and where its lines are in the file's text. */
interface Section {
  kind: Kind | undefined;
  name: string;
  /** Offset of the header line, and of the first line after it; `end` is where the next header line starts. */
  at: number;
  body: number;
  end: number;
}

// A header line: after a line break (or at the start), only whitespace before "[" (no comment
// character: "# [x]" is a comment). The same whitespace as String.prototype.trim, so the same
// lines as scanIni's classification; checked against it line by line below.
const HEADER_START = /(?:^|\n)[^\S\n]*\[/g;

// Header lines that may be malformed, each found by a simple pattern (one pass each, no
// backtracking across lines): no "]" at all; an empty "[ ]"; something other than blanks or a
// comment after the last "]" (or a comment character right after it); a comment character
// after a blank inside the line (a comment may cut the header short). Each line found is then
// classified exactly; most turn out fine (`[a] # note`).
const ODD_HEADERS = [
  /\n[^\S\n]*\[[^\]\n]*(?=\n|$)/g,
  /\n[^\S\n]*\[[^\S\n]*\]/g,
  /\n[^\S\n]*\[[^\n]*\](?:[^\S\n]*[^\s\]#;]|[#;])/g,
  /\n[^\S\n]*\[[^\n]*[^\S\n][#;]/g,
];

/** The sections of one file, as indexFile finds them. */
type FileSections = ReturnType<typeof indexFile>;

/**
 * The sections of one file, found by their headers; a section's lines are parsed when its
 * record is first asked for. Malformed headers fail at once (after any earlier bad line).
 * With `lazy`, the headers are not all read up front: a name's sections are found by
 * searching for the name in header lines, and only a bad header, a list of names or the
 * ignored sections make the whole file be indexed.
 */
function indexFile(
  file: AwsFileText,
  which: 'config' | 'credentials',
  lazy: boolean,
  onLookup?: (key: string, sections: Section[]) => void,
) {
  const text = file.text;
  const headerHint = which === 'config' ? 'write [profile NAME] or [default]' : 'write [NAME]';
  const fail = (line: number, what: string, hint: string) =>
    new MfaExecError('config', `${file.label}:${line}: ${what}`, { hint });
  // Line numbers are counted only when needed (ignored headers, errors), moving forward.
  let counted = { at: 0, line: 1 };
  const lineAt = (offset: number): number => {
    if (offset < counted.at) counted = { at: 0, line: 1 };
    let line = counted.line;
    for (let i = text.indexOf('\n', counted.at); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    counted = { at: offset, line };
    return line;
  };
  const lineEndAt = (at: number) => {
    const nl = text.indexOf('\n', at);
    return nl === -1 ? text.length : nl;
  };
  // The header of the line at `at` (or 'unclosed'), as scanIni reads it.
  const headerAt = (at: number): string | 'unclosed' | undefined => {
    let header: string | 'unclosed' | undefined;
    scanIni(text.slice(at, lineEndAt(at)), (line) => {
      if (line.kind === 'section') header = line.name;
      else if (line.kind === 'unclosed') header = 'unclosed';
    });
    return header;
  };
  // Where the header line after `from` starts, or the end of the text.
  const nextHeader = (from: number) => {
    HEADER_START.lastIndex = from;
    const m = HEADER_START.exec(text);
    return m === null ? text.length : m.index + (text[m.index] === '\n' ? 1 : 0);
  };

  let full:
    { sections: Section[]; byName: Map<string, Section[]>; ignored: ParsedAwsFiles['ignoredSections'] } | undefined;
  // Every header, in order; the first malformed one fails here.
  function index() {
    if (full) return full;
    const sections: Section[] = [];
    const byName = new Map<string, Section[]>();
    const ignored: ParsedAwsFiles['ignoredSections'] = [];
    for (let at = text.length > 0 ? nextHeader(0) : 0; at < text.length;) {
      const lineEnd = lineEndAt(at);
      const header = headerAt(at);
      const headerError = (what: string, hint: string) => {
        // A bad line before this header is reported first, as a line-by-line reading would.
        if (sections.length > 0) sections[sections.length - 1]!.end = at;
        checkPrefix(sections[0]?.at ?? at);
        for (const s of sections) parseSection(s);
        return fail(lineAt(at), what, hint);
      };
      if (header === 'unclosed' || header === undefined)
        throw headerError('section header without a closing "]"', headerHint);
      if (header.trim() === '') throw headerError('empty section header', headerHint);
      if (header === '__proto__' || header === 'profile __proto__')
        throw headerError(`invalid profile name "${header}"`, 'rename the profile');
      const target = sectionOf(header, which);
      if (target === undefined) ignored.push({ label: file.label, line: lineAt(at), header });
      const end = nextHeader(lineEnd);
      const section: Section = {
        kind: target?.kind,
        name: target?.name ?? header,
        at,
        body: Math.min(lineEnd + 1, text.length),
        end,
      };
      sections.push(section);
      if (target) {
        const key = `${target.kind} ${target.name}`;
        const list = byName.get(key);
        if (list) list.push(section);
        else byName.set(key, [section]);
      }
      at = end;
    }
    return (full = { sections, byName, ignored });
  }

  // Lines before the first header may only be blank or comments.
  function checkPrefix(end = nextHeader(0)): void {
    scanIni(text.slice(0, end), (line, i) => {
      if (line.kind === 'blank') return;
      if (line.kind === 'key')
        throw fail(i + 1, 'setting outside any [section]', `move it under a header (${headerHint})`);
      throw lineError(line.kind, i + 1);
    });
  }

  function lineError(kind: string, n: number): MfaExecError {
    if (kind === 'unclosed') return fail(n, 'section header without a closing "]"', headerHint);
    return fail(
      n,
      'neither "key = value", a [section] header nor a comment',
      `fix or remove line ${n}; comments start with # or ;`,
    );
  }

  // The settings of one section, in order; a bad line fails with its line number.
  function parseSection(s: Section, into?: Record<string, string>): void {
    let sub: string | undefined;
    let first: number | undefined;
    scanIni(text.slice(s.body, s.end), (line, i) => {
      switch (line.kind) {
        case 'blank':
          return;
        case 'unclosed':
        case 'garbage':
        case 'section':
          first ??= lineAt(s.body);
          throw lineError(line.kind, first + i);
        case 'key':
          if (into === undefined) return;
          // As the SDK: `key =` opens a sub-section whose indented lines are stored as `key.name`.
          if (line.value === '') {
            sub = line.name;
            return;
          }
          if (sub !== undefined && !line.indented) sub = undefined;
          into[sub === undefined ? line.name : `${sub}.${line.name}`] = line.value;
      }
    });
  }

  // The sections of `name` (of any kind), found without indexing the file: a header naming it
  // ends with `name]`, `name"]` or `name']` (then blanks or a comment).
  const found = new Map<string, Section[]>();
  function sectionsOf(name: string): Section[] {
    let list = found.get(name);
    if (list) return list;
    const starts = new Set<number>();
    for (const tail of [']', '"]', "']"]) {
      const needle = name + tail;
      for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1))
        starts.add(text.lastIndexOf('\n', i) + 1);
    }
    list = [];
    for (const at of [...starts].sort((x, y) => x - y)) {
      const header = headerAt(at);
      if (header === undefined || header === 'unclosed') continue;
      // Only a header line (nothing but blanks before its "[").
      if (text.slice(at, text.indexOf('[', at)).trim() !== '') continue;
      const target = sectionOf(header, which);
      if (target?.name !== name) continue;
      const lineEnd = lineEndAt(at);
      list.push({ ...target, at, body: Math.min(lineEnd + 1, text.length), end: nextHeader(lineEnd) });
    }
    found.set(name, list);
    return list;
  }
  const lookup = (kind: Kind, name: string): Section[] | undefined => {
    const list =
      full || !lazy ? index().byName.get(`${kind} ${name}`) : sectionsOf(name).filter((s) => s.kind === kind);
    onLookup?.(`${kind} ${name}`, list ?? []);
    return list !== undefined && list.length > 0 ? list : undefined;
  };

  if (lazy) {
    // Malformed headers fail at once even so: only the odd-looking header lines are read here.
    const odd = (at: number) => {
      const header = headerAt(at);
      if (header === undefined || header === 'unclosed' || header.trim() === '') index();
    };
    if (nextHeader(0) === 0) odd(0);
    for (const pattern of ODD_HEADERS) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        odd(m.index + 1);
        pattern.lastIndex = lineEndAt(m.index + 1);
      }
    }
    for (let i = text.indexOf('__proto__'); i !== -1; i = text.indexOf('__proto__', i + 1)) {
      const header = headerAt(text.lastIndexOf('\n', i) + 1);
      if (header === '__proto__' || header === 'profile __proto__') index();
    }
  } else {
    index();
  }
  checkPrefix();
  const records = new Map<string, Record<string, string>>();
  return {
    /** Every line checked now (not only those of the sections read). */
    checkAll: () => index().sections.forEach((s) => parseSection(s)),
    has: (kind: Kind, name: string) => lookup(kind, name) !== undefined,
    /** Names of that kind, in order of first appearance (as an object's keys would be). */
    names: (kind: Kind): string[] =>
      keyOrder(
        index()
          .sections.filter((s) => s.kind === kind)
          .map((s) => s.name),
      ),
    /** Sections the SDK does not read as profiles, for hints. */
    ignored: () => index().ignored,
    /** The merged settings of every section of that kind and name, or undefined when there is none. */
    record: (kind: Kind, name: string): Record<string, string> | undefined => {
      const key = `${kind} ${name}`;
      let r = records.get(key);
      if (r === undefined) {
        const list = lookup(kind, name);
        if (list === undefined) return undefined;
        r = Object.create(null) as Record<string, string>;
        for (const s of list) parseSection(s, r);
        records.set(key, r);
      }
      return r;
    },
  };
}

/** `names` in the order an object given them in turn would list its keys (integer-like names first). */
function keyOrder(names: string[]): string[] {
  const o: Record<string, true> = Object.create(null);
  for (const n of names) o[n] = true;
  return Object.keys(o);
}

/**
 * A read-only record whose values are built on first read; `has` says which keys it has and
 * `names` lists them, in order (only when asked: Object.keys, for…in).
 * Behaves as a plain object for property reads, `in`, Object.hasOwn/keys/entries and for…in.
 */
function lazyRecords(
  names: () => string[],
  has: (name: string) => boolean,
  build: (name: string) => Record<string, string> | undefined,
): Record<string, Record<string, string>> {
  const known = new Map<string, boolean>();
  const isKnown = (name: string) => {
    let k = known.get(name);
    if (k === undefined) known.set(name, (k = has(name)));
    return k;
  };
  const target: Record<string, Record<string, string>> = Object.create(null);
  const materialise = (name: string) => {
    if (!Object.hasOwn(target, name)) target[name] = build(name) ?? Object.create(null);
    return target[name];
  };
  return new Proxy(target, {
    get: (t, k) => (typeof k === 'string' && isKnown(k) ? materialise(k) : Reflect.get(t, k)),
    has: (t, k) => (typeof k === 'string' ? isKnown(k) : Reflect.has(t, k)),
    getOwnPropertyDescriptor: (t, k) => {
      if (typeof k !== 'string' || !isKnown(k)) return undefined;
      // Existence and enumerability (Object.keys, Object.hasOwn) without parsing the section.
      if (!Object.hasOwn(t, k)) return { configurable: true, enumerable: true, get: () => materialise(k) };
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    ownKeys: () => names(),
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/** Which section a header opens in this file, as the SDK reads it; undefined when the SDK ignores it. */
function sectionOf(header: string, which: 'config' | 'credentials'): { kind: Kind; name: string } | undefined {
  const prefixed = PREFIXED.exec(header);
  if (which === 'credentials') return prefixed ? undefined : { kind: 'profile', name: header };
  if (prefixed === null) return header === 'default' ? { kind: 'default', name: 'default' } : undefined;
  const [, prefix, , name] = prefixed;
  if (prefix === 'profile') return { kind: 'profile', name: name! };
  if (prefix === 'services') return { kind: 'services', name: name! };
  if (prefix === 'sso-session') return { kind: 'sso-session', name: name! };
  return undefined; // unknown prefixes: not profiles
}

/**
 * Rewrite the AWS file at `path` with `edit` applied to its current bytes (a missing file is
 * empty): atomically, keeping its mode, and only when something changed. Returns whether it did.
 */
export function editAwsFile(path: string, edit: (text: string) => string): boolean {
  let before = '';
  try {
    before = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const after = edit(before);
  if (after === before) return false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, after);
  return true;
}

// The AWS ini format line by line, as the AWS SDK for JavaScript reads it, and
// byte-preserving edits on top of that reading (import --scrub, setup).

import { MfaExecError } from './errors.js';

/** One physical line, classified the way the SDK's parser sees it. */
export interface IniLine {
  /** The line without its terminator. */
  text: string;
  /** Its terminator: "\n", "\r\n", or "" for a last line without one. */
  eol: string;
  /** blank (also comment-only), [section], key = value, "[" without "]", or anything else. */
  kind: 'blank' | 'section' | 'key' | 'unclosed' | 'garbage';
  /** section: the text between the brackets, untrimmed; key: the trimmed key. */
  name: string;
  /** key: the trimmed value, inline comment removed ("" opens a nested sub-section). */
  value: string;
  /** Whether the line starts with whitespace (nested sub-section lines are indented). */
  indented: boolean;
  /** Where an inline comment starts in `text`, or -1. */
  commentAt: number;
}

// As the SDK: `#` or `;` at the start of a line or after whitespace starts a comment.
const COMMENT = /(^|\s)[;#]/;
const LEADING_SPACE = /^\s/;

/** Split `text` into classified lines; joining `text + eol` of each gives `text` back exactly. */
export function iniLines(text: string): IniLine[] {
  const lines: IniLine[] = [];
  scanIni(text, (line) => void lines.push(line));
  return lines;
}

/** Call `visit` with each classified line of `text` and its 0-based index, in order (no array kept). */
export function scanIni(text: string, visit: (line: IniLine, index: number) => void): void {
  for (let start = 0, index = 0; start < text.length; index++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      visit(classify(text.slice(start), ''), index);
      break;
    }
    const crlf = nl > start && text.charCodeAt(nl - 1) === 13;
    visit(classify(text.slice(start, crlf ? nl - 1 : nl), crlf ? '\r\n' : '\n'), index);
    start = nl + 1;
  }
}

function classify(text: string, eol: string): IniLine {
  // The regex only when a comment character is there at all: this runs on every line of every invocation.
  const comment = text.includes('#') || text.includes(';') ? COMMENT.exec(text) : null;
  const commentAt = comment ? comment.index : -1;
  const body = (comment ? text.slice(0, commentAt) : text).trim();
  const line: IniLine = {
    text,
    eol,
    kind: 'garbage',
    name: '',
    value: '',
    indented: LEADING_SPACE.test(text),
    commentAt,
  };
  if (body === '') {
    line.kind = 'blank';
  } else if (body.startsWith('[')) {
    line.kind = body.endsWith(']') ? 'section' : 'unclosed';
    if (line.kind === 'section') line.name = body.slice(1, -1);
  } else {
    const eq = body.indexOf('=');
    if (eq > 0) {
      line.kind = 'key';
      line.name = body.slice(0, eq).trim();
      line.value = body.slice(eq + 1).trim();
    }
  }
  return line;
}

/** Per line: the section header it sits under, and for nested sub-section lines the index of their parent line. */
interface Place {
  section: string | undefined;
  parent: number | undefined;
}

function places(lines: IniLine[]): Place[] {
  let section: string | undefined;
  let sub: number | undefined;
  return lines.map((line, i) => {
    if (line.kind === 'section') {
      section = line.name;
      sub = undefined;
      return { section, parent: undefined };
    }
    if (line.kind !== 'key') return { section, parent: undefined };
    if (line.value === '') {
      sub = i;
      return { section, parent: undefined };
    }
    // As the SDK: an unindented key with a value ends the sub-section.
    if (sub !== undefined && !line.indented) sub = undefined;
    return { section, parent: sub };
  });
}

function join(lines: IniLine[]): string {
  return lines.map((l) => l.text + l.eol).join('');
}

/** Lines of `section` that set one of `keys` at top level, with the nested lines under them. */
function linesSetting(lines: IniLine[], at: Place[], section: string, keys: Set<string>): Set<number> {
  const hit = new Set<number>();
  lines.forEach((line, i) => {
    const place = at[i]!;
    if (place.section !== section) return;
    if (place.parent !== undefined) {
      if (hit.has(place.parent)) hit.add(i);
    } else if (line.kind === 'key' && keys.has(line.name)) {
      hit.add(i);
    }
  });
  return hit;
}

/** `text` without the lines of `section` (every header spelled exactly so) that set `keys`, nested lines included; every other byte kept. */
export function removeKeys(text: string, section: string, keys: string[]): string {
  const lines = iniLines(text);
  const drop = linesSetting(lines, places(lines), section, new Set(keys));
  return join(lines.filter((_, i) => !drop.has(i)));
}

/** `text` with `values` set in `section`: existing lines updated in place, missing keys appended to the section (or a new section at the end). */
export function upsertSection(text: string, section: string, values: [string, string][]): string {
  checkWritable(section, values);
  const lines = iniLines(text);
  const eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';
  const wanted = new Map(values);
  const at = places(lines);
  const hit = linesSetting(lines, at, section, new Set(wanted.keys()));
  const found = new Set<string>();
  const out: IniLine[] = [];
  lines.forEach((line, i) => {
    if (!hit.has(i)) return void out.push(line);
    if (at[i]!.parent !== undefined) return; // nested lines of a sub-section now replaced by a value
    found.add(line.name);
    const indent = line.text.slice(0, line.text.length - line.text.trimStart().length);
    const comment = line.commentAt === -1 ? '' : line.text.slice(line.commentAt);
    out.push({
      ...line,
      text: `${indent}${line.name} = ${wanted.get(line.name)}${comment}`,
      value: wanted.get(line.name)!,
    });
  });
  const missing = [...wanted].filter(([k]) => !found.has(k));
  if (missing.length === 0) return join(out);
  const added = missing.map(([k, v]) => `${k} = ${v}${eol}`).join('');

  const headers = out.flatMap((l, i) => (l.kind === 'section' && l.name === section ? [i] : []));
  const last = headers[headers.length - 1];
  if (last === undefined) {
    let result = join(out);
    if (result !== '' && !result.endsWith('\n')) result += eol;
    const lastLine = out[out.length - 1];
    if (lastLine !== undefined && lastLine.text.trim() !== '') result += eol;
    return `${result}[${section}]${eol}${added}`;
  }
  // After the section's last header or key line, so trailing blank lines and comments stay between sections.
  let anchor = last;
  for (let i = last + 1; i < out.length && out[i]!.kind !== 'section'; i++) {
    if (out[i]!.kind !== 'blank') anchor = i;
  }
  const before = out.slice(0, anchor + 1);
  const anchorLine = before[anchor]!;
  if (anchorLine.eol === '') {
    // The file ended without a newline: keep it that way.
    before[anchor] = { ...anchorLine, eol };
    return join(before) + added.slice(0, -eol.length);
  }
  return join(before) + added + join(out.slice(anchor + 1));
}

/** `text` with an empty `[section]` appended, unless the file has that section already. */
export function addSection(text: string, section: string): string {
  checkWritable(section, []);
  if (iniLines(text).some((l) => l.kind === 'section' && l.name === section)) return text;
  const eol = iniLines(text).find((l) => l.eol !== '')?.eol ?? '\n';
  let head = text.trim() === '' ? '' : text;
  if (head !== '' && !head.endsWith('\n')) head += eol;
  if (head !== '' && !head.endsWith(`${eol}${eol}`)) head += eol;
  return `${head}[${section}]${eol}`;
}

function checkWritable(section: string, values: [string, string][]): void {
  const bad = (what: string) =>
    new MfaExecError('config', `cannot write ${what} to an AWS ini file`, {
      hint: 'use names of letters, digits, "_", "-" and "." and values on one line without " #" or " ;"',
    });
  if (!/^[^\s[\]#;][^[\]\r\n]*$/.test(section) || section.trim() !== section)
    throw bad(`the section name "${section}"`);
  for (const [key, value] of values) {
    if (!/^[\w.-]+$/.test(key)) throw bad(`the key "${key}"`);
    if (value.trim() !== value || value === '' || /[\r\n]/.test(value) || COMMENT.test(value))
      throw bad(`the value of ${key}`);
  }
}

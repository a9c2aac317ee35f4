// Reads the AWS config and credentials files the way the AWS SDK for JavaScript
// does (@smithy/core/config `parseIni`, `getConfigData`, `parseKnownFiles`), but
// synchronously, in one pass, and failing clearly on lines the SDK would skip.
// The SDK's parser is not exported (only async loaders that swallow errors, and
// importing them costs ~30 ms), so this is a re-implementation of its rules.

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
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

type Records = Record<string, Record<string, string>>;

// The SDK's `[prefix name]` form: `[profile x]`, `[sso-session x]`, `[services x]`, quotes allowed.
const PREFIXED = /^([\w-]+)\s(["'])?([\w@+.%:/-]+)\2$/;

/** Read both AWS files (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/…); a missing file reads as empty. */
export function loadAwsFiles(env: Record<string, string | undefined>, homedir: string): ParsedAwsFiles {
  const read = (variable: string, fallback: string): AwsFileText => {
    const given = env[variable] || join(homedir, '.aws', fallback);
    const path = given.startsWith('~/') ? join(homedir, given.slice(2)) : given;
    const label =
      path === homedir
        ? '~'
        : path.startsWith(join(homedir, '/'))
          ? `~/${path.slice(join(homedir, '/').length)}`
          : path;
    try {
      return { path, label, text: readFileSync(path, 'utf8') };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { path, label, text: '' };
      throw new MfaExecError('config', `cannot read ${label}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
        hint: `check that ${label} is a readable file, or point ${variable} elsewhere`,
        cause: e,
      });
    }
  };
  return parseAwsFiles(read('AWS_CONFIG_FILE', 'config'), read('AWS_SHARED_CREDENTIALS_FILE', 'credentials'));
}

/** Parse the two files' text into profiles (credentials overriding config) and services; malformed lines → 'config' error naming file:line. */
export function parseAwsFiles(config: AwsFileText, credentials: AwsFileText): ParsedAwsFiles {
  const ignoredSections: ParsedAwsFiles['ignoredSections'] = [];
  const fromConfig = parseFile(config, 'config', ignoredSections);
  const fromCredentials = parseFile(credentials, 'credentials', ignoredSections);
  // As the SDK: [profile default] replaces [default] in the config file.
  const configProfiles = fromConfig.get('profile') ?? Object.create(null);
  // (only once it holds a setting: the SDK creates a section with its first value).
  const plainDefault = fromConfig.get('default')?.default;
  if (plainDefault !== undefined && Object.keys(configProfiles.default ?? {}).length === 0)
    configProfiles.default = plainDefault;
  const credentialsProfiles = fromCredentials.get('profile') ?? Object.create(null);

  // Copy only what both files set (the rest is shared: treat the result as read-only).
  const profiles: Records = Object.assign(Object.create(null), configProfiles);
  for (const [name, values] of Object.entries(credentialsProfiles)) {
    profiles[name] = Object.hasOwn(profiles, name)
      ? Object.assign(Object.create(null), profiles[name], values)
      : values;
  }
  return {
    configPath: config.path,
    credentialsPath: credentials.path,
    configLabel: config.label,
    credentialsLabel: credentials.label,
    profiles,
    credentialsProfiles,
    services: fromConfig.get('services') ?? Object.create(null),
    ssoSessions: fromConfig.get('sso-session') ?? Object.create(null),
    ignoredSections,
  };
}

type Kind = 'profile' | 'default' | 'services' | 'sso-session';

/** The sections of one file by kind; sections the SDK does not read are recorded in `ignored`. */
function parseFile(
  file: AwsFileText,
  which: 'config' | 'credentials',
  ignored: ParsedAwsFiles['ignoredSections'],
): Map<Kind, Records> {
  const byKind = new Map<Kind, Records>();
  const fail = (line: number, what: string, hint: string) =>
    new MfaExecError('config', `${file.label}:${line}: ${what}`, { hint });
  const headerHint = which === 'config' ? 'write [profile NAME] or [default]' : 'write [NAME]';
  let current: Record<string, string> | undefined;
  let inSection = false;
  let sub: string | undefined;

  scanIni(file.text, (line, i) => {
    const n = i + 1;
    switch (line.kind) {
      case 'blank':
        return;
      case 'unclosed':
        throw fail(n, 'section header without a closing "]"', headerHint);
      case 'garbage':
        throw fail(
          n,
          'neither "key = value", a [section] header nor a comment',
          `fix or remove line ${n}; comments start with # or ;`,
        );
      case 'section': {
        const header = line.name;
        if (header.trim() === '') throw fail(n, 'empty section header', headerHint);
        if (header === '__proto__' || header === 'profile __proto__')
          throw fail(n, `invalid profile name "${header}"`, 'rename the profile');
        inSection = true;
        sub = undefined;
        const target = sectionOf(header, which);
        if (target === undefined) {
          current = undefined;
          ignored.push({ label: file.label, line: n, header });
          return;
        }
        const records = byKind.get(target.kind) ?? byKind.set(target.kind, Object.create(null)).get(target.kind)!;
        current = records[target.name] ??= Object.create(null);
        return;
      }
      case 'key':
        if (!inSection) throw fail(n, 'setting outside any [section]', `move it under a header (${headerHint})`);
        if (current === undefined) return;
        // As the SDK: `key =` opens a sub-section whose indented lines are stored as `key.name`.
        if (line.value === '') {
          sub = line.name;
          return;
        }
        if (sub !== undefined && !line.indented) sub = undefined;
        current[sub === undefined ? line.name : `${sub}.${line.name}`] = line.value;
    }
  });
  return byKind;
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

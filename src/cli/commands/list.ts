// `mfa-exec list [--json]`: every profile, whether a key is stored, and its cached sessions.

import {
  getProfile,
  profileKind,
  profileNames,
  resolveChain,
  type ParsedAwsFiles,
  type ProfileConfig,
  type ProfileKind,
} from '../../core/config.js';
import { escapeBidiInJson, escapeControls } from '../../core/display.js';
import { describeExpiry } from '../../core/duration.js';
import { decodeKey, keyItem, parseItemName } from '../../core/store-items.js';
import type { ParsedOf } from '../args.js';
import type { listSpec } from '../specs.js';
import { styles, useColor } from '../color.js';
import type { Context } from '../context.js';
import { cacheItems } from './store-view.js';

/** One row of `list --json`, as the contract defines it. */
export interface ListRow {
  profile: string;
  /** "role" for role_arn over another profile, else the kind of its own base; null when the profile does not parse. */
  kind: ProfileKind | null;
  sourceProfile: string | null;
  roleArn: string | null;
  mfaSerial: string | null;
  hasStoredKey: boolean;
  sessions: { kind: 'session' | 'role'; expiration: string }[];
}

/** The profile's settings; an invalid profile is listed by name only (doctor explains it). */
function profileOrUndefined(files: ParsedAwsFiles, name: string): ProfileConfig | undefined {
  try {
    return getProfile(files, name);
  } catch {
    return undefined;
  }
}

/** Run `list`. */
export async function listCommand(ctx: Context, parsed: ParsedOf<typeof listSpec>): Promise<number> {
  const files = ctx.files();
  const store = ctx.store();
  const names = await store.list();
  const keyed = new Set(names.map(parseItemName).flatMap((p) => (p?.kind === 'key' ? [p.profile] : [])));
  const items = await cacheItems(store, names);
  const configured = new Set(profileNames(files));
  const profiles = [...new Set([...configured, ...keyed])].sort();
  const rows: ListRow[] = profiles.map((name) => {
    const p = configured.has(name) ? profileOrUndefined(files, name) : undefined;
    return {
      profile: name,
      kind: p ? profileKind(p) : configured.has(name) ? null : 'key',
      sourceProfile: p?.sourceProfile ?? null,
      roleArn: p?.roleArn ?? null,
      // The device the chain uses: a role profile inherits its source's mfa_serial.
      mfaSerial: p ? (chainMfaSerial(files, name) ?? null) : null,
      hasStoredKey: keyed.has(name),
      sessions: items
        .filter((i) => i.owner === name && i.entry?.credentials.expiration)
        .map((i) => ({ kind: i.kind, expiration: i.entry!.credentials.expiration!.toISOString() })),
    };
  });
  if (parsed.values.json) {
    ctx.stdout(`${escapeBidiInJson(JSON.stringify(rows, null, 2))}\n`);
    return 0;
  }
  const now = ctx.clock.now();
  const table: string[][] = [['PROFILE', 'KIND', 'SOURCE', 'ROLE', 'MFA DEVICE', 'KEY', 'SESSIONS']];
  for (const r of rows) {
    const key = r.hasStoredKey ? decodeKey(await store.get(keyItem(r.profile))) : undefined;
    // Names come from files: a control character could rewrite the terminal's lines.
    table.push([
      escapeControls(r.profile),
      r.kind ?? '?',
      r.sourceProfile === null ? '-' : escapeControls(r.sourceProfile),
      escapeControls(r.roleArn ?? '-').replace(/^arn:aws[\w-]*:iam::\d+:role\//, 'role/'),
      escapeControls(r.mfaSerial ?? '-').replace(/^arn:aws[\w-]*:iam::\d+:mfa\//, 'mfa/'),
      key ? `…${key.accessKeyId.slice(-4)}` : '-',
      r.sessions.map((s) => `${s.kind} ${describeExpiry(new Date(s.expiration), now)}`).join(', ') || '-',
    ]);
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const lines = table.map((row) =>
    row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '),
  );
  lines[0] = styles(useColor(process.stdout, ctx.env)).bold(lines[0]!);
  ctx.stdout(lines.join('\n') + '\n');
  return 0;
}

/** The mfa_serial the chain of `name` uses (its own, else inherited), or undefined when the chain does not resolve. */
function chainMfaSerial(files: ParsedAwsFiles, name: string): string | undefined {
  try {
    return resolveChain(files, name).mfaSerial;
  } catch {
    return profileOrUndefined(files, name)?.mfaSerial;
  }
}

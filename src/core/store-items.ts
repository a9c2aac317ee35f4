// Names and shapes of the items mfa-exec keeps in its SecretStore. One item per
// cached credential, so the warm path of `exec` is exactly one store read.

import { isoUtc } from './duration.js';
import type { Credentials, StoredKey } from './types.js';

/** The long-lived key of `profile`. */
export const keyItem = (profile: string): string => `key:${profile}`;
/** The MFA session of the key held by `baseProfile`, per MFA device (or none); the profile is URI-encoded since names may hold ':'. */
export const sessionItem = (baseProfile: string, mfaSerial: string | undefined): string =>
  `session:${encodeURIComponent(baseProfile)}:${mfaSerial ?? '-'}`;
/** The final (role) credentials of `profile`. */
export const roleItem = (profile: string): string => `role:${profile}`;
/** The TOTP seed (base32) of an MFA device, for `--prompt totp`. */
export const totpItem = (mfaSerial: string): string => `totp:${mfaSerial}`;
/** The last MFA code AWS accepted for a device (hashed). */
export const usedCodeItem = (mfaSerial: string): string => `mfa-used:${mfaSerial}`;

/**
 * True for items that expire within hours (MFA sessions, role credentials, used-code
 * records): the file store keeps them in its runtime-key cache, off the passphrase.
 * Everything else (keys, TOTP seeds, SSO tokens, anything new) is long-lived.
 */
export const isShortLived = (name: string): boolean =>
  name.startsWith('session:') || name.startsWith('role:') || name.startsWith('mfa-used:');

/** A cached credential as stored: the credentials plus what they were made from. */
export interface CachedEntry {
  kind: 'session' | 'role';
  credentials: Credentials;
  /** The profile whose long-lived key (or credential_process) is at the bottom of the chain. */
  base: string;
  /** Identifies the chain the credentials belong to; a changed config makes the entry a miss. */
  fingerprint: string;
}

/** JSON text of a cached entry (expiration as ISO 8601). */
export function encodeEntry(entry: CachedEntry): string {
  const { credentials: c } = entry;
  return JSON.stringify({
    ...entry,
    credentials: { ...c, expiration: c.expiration && isoUtc(c.expiration) },
  });
}

/** The cached entry in `text`, or undefined when it is unreadable (treated as a cache miss). */
export function decodeEntry(text: string | null): CachedEntry | undefined {
  if (!text) return undefined;
  try {
    const raw = JSON.parse(text) as {
      kind?: unknown;
      base?: unknown;
      fingerprint?: unknown;
      credentials?: { accessKeyId?: unknown; secretAccessKey?: unknown; sessionToken?: unknown; expiration?: unknown };
    };
    const c = raw.credentials;
    if (
      (raw.kind !== 'session' && raw.kind !== 'role') ||
      typeof raw.base !== 'string' ||
      typeof raw.fingerprint !== 'string' ||
      !c ||
      typeof c.accessKeyId !== 'string' ||
      typeof c.secretAccessKey !== 'string' ||
      typeof c.expiration !== 'string'
    ) {
      return undefined;
    }
    const expiration = new Date(c.expiration);
    if (Number.isNaN(expiration.getTime())) return undefined;
    return {
      kind: raw.kind,
      base: raw.base,
      fingerprint: raw.fingerprint,
      credentials: {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: typeof c.sessionToken === 'string' ? c.sessionToken : undefined,
        expiration,
      },
    };
  } catch {
    return undefined;
  }
}

/** JSON text of a stored long-lived key. */
export function encodeKey(key: StoredKey): string {
  return JSON.stringify(key);
}

/** The stored key in `text`, or undefined when it is not one. */
export function decodeKey(text: string | null): StoredKey | undefined {
  if (!text) return undefined;
  try {
    const raw = JSON.parse(text) as Partial<StoredKey>;
    if (typeof raw.accessKeyId !== 'string' || typeof raw.secretAccessKey !== 'string') return undefined;
    return { accessKeyId: raw.accessKeyId, secretAccessKey: raw.secretAccessKey, addedAt: raw.addedAt };
  } catch {
    return undefined;
  }
}

/** Which kind of item `name` is, and the profile or device it belongs to. */
export function parseItemName(
  name: string,
): { kind: 'key' | 'role'; profile: string } | { kind: 'session'; base: string; mfaSerial?: string } | undefined {
  if (name.startsWith('key:')) return { kind: 'key', profile: name.slice(4) };
  if (name.startsWith('role:')) return { kind: 'role', profile: name.slice(5) };
  if (name.startsWith('session:')) {
    const rest = name.slice(8);
    const i = rest.indexOf(':');
    if (i < 0) return undefined;
    const serial = rest.slice(i + 1);
    return {
      kind: 'session',
      base: decodeURIComponent(rest.slice(0, i)),
      mfaSerial: serial === '-' ? undefined : serial,
    };
  }
  return undefined;
}

/** The IAM Identity Center token mfa-exec obtained or refreshed, per sso_session name (or legacy start URL). */
export const ssoTokenItem = (cacheId: string): string => `sso-token:${cacheId}`;

/** An SSO OIDC access token with what refreshing it takes: the fields of the AWS CLI's token cache. */
export interface SsoToken {
  accessToken: string;
  expiresAt: Date;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: Date;
  region?: string;
  startUrl?: string;
}

/** JSON text of an SSO token in the AWS CLI's cache format (times as ISO 8601). */
export function encodeSsoToken(t: SsoToken): string {
  return JSON.stringify({
    ...t,
    expiresAt: t.expiresAt.toISOString(),
    registrationExpiresAt: t.registrationExpiresAt?.toISOString(),
  });
}

/** The SSO token in `text` (the AWS CLI's cache file or our item), or undefined when it is not one. */
export function decodeSsoToken(text: string | null | undefined): SsoToken | undefined {
  if (!text) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  // Older AWS CLI v2 releases wrote `2021-05-20T05:16:31UTC`, which botocore reads and Date does not.
  const date = (v: unknown) => (typeof v === 'string' ? new Date(v.replace(/UTC$/, 'Z')) : undefined);
  const expiresAt = date(raw.expiresAt);
  if (typeof raw.accessToken !== 'string' || !raw.accessToken || !expiresAt || Number.isNaN(expiresAt.getTime()))
    return undefined;
  const token: SsoToken = { accessToken: raw.accessToken, expiresAt };
  for (const k of ['refreshToken', 'clientId', 'clientSecret', 'region', 'startUrl'] as const) {
    if (typeof raw[k] === 'string' && raw[k]) token[k] = raw[k];
  }
  const registrationExpiresAt = date(raw.registrationExpiresAt);
  if (registrationExpiresAt && !Number.isNaN(registrationExpiresAt.getTime()))
    token.registrationExpiresAt = registrationExpiresAt;
  return token;
}

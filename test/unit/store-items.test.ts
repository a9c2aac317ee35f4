import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeEntry,
  decodeKey,
  decodeSsoToken,
  encodeEntry,
  encodeKey,
  encodeSsoToken,
  isShortLived,
  keyItem,
  parseItemName,
  roleItem,
  sessionItem,
  ssoTokenItem,
  usedCodeItem,
  type CachedEntry,
  type SsoToken,
} from '../../src/core/store-items.js';

const MFA = 'arn:aws:iam::900000000001:mfa/alice';

const entry: CachedEntry = {
  kind: 'role',
  base: 'base',
  fingerprint: '["base","x"]',
  credentials: {
    accessKeyId: 'ASIAEXAMPLE',
    secretAccessKey: 'secret',
    sessionToken: 'token',
    expiration: new Date('2024-05-01T13:00:00.000Z'),
  },
};

describe('cached entries', () => {
  it('round-trip through encodeEntry and decodeEntry, the expiration as a Date', () => {
    const back = decodeEntry(encodeEntry(entry));
    expect(back).toEqual(entry);
    expect(back!.credentials.expiration).toBeInstanceOf(Date);
    expect(back!.credentials.expiration!.getTime()).toBe(entry.credentials.expiration!.getTime());
    expect(JSON.parse(encodeEntry(entry)).credentials.expiration).toBe('2024-05-01T13:00:00.000Z');
  });

  it('encode credentials without an expiration without one', () => {
    const text = encodeEntry({ ...entry, credentials: { ...entry.credentials, expiration: undefined } });
    expect(JSON.parse(text).credentials).toStrictEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('round-trip a session entry', () => {
    const session: CachedEntry = { ...entry, kind: 'session' };
    expect(decodeEntry(encodeEntry(session))).toEqual(session);
  });

  it.each([
    ['null', null],
    ['empty', ''],
    ['not JSON', '{"kind":'],
    ['a JSON string', '"role"'],
    ['an empty object', '{}'],
    ['another kind', encodeEntry(entry).replace('"role"', '"key"')],
    ['no fingerprint', JSON.stringify({ ...JSON.parse(encodeEntry(entry)), fingerprint: undefined })],
    ['no base', JSON.stringify({ ...JSON.parse(encodeEntry(entry)), base: 7 })],
    ['no expiration', encodeEntry({ ...entry, credentials: { ...entry.credentials, expiration: undefined } })],
    ['a bad expiration', encodeEntry(entry).replace('2024-05-01T13:00:00.000Z', 'soon')],
    ['a numeric secret', encodeEntry(entry).replace('"secret"', '5')],
    ['a stored key', encodeKey({ accessKeyId: 'AKIA', secretAccessKey: 's' })],
  ])('%s decodes as undefined (a cache miss)', (_, text) => {
    expect(decodeEntry(text)).toBeUndefined();
  });
});

describe('stored keys', () => {
  it('round-trip', () => {
    const key = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret', addedAt: '2024-05-01T12:00:00.000Z' };
    expect(decodeKey(encodeKey(key))).toEqual(key);
  });

  it('garbage is undefined', () => {
    expect(decodeKey(null)).toBeUndefined();
    expect(decodeKey('nope')).toBeUndefined();
    expect(decodeKey('{"accessKeyId":"AKIA"}')).toBeUndefined();
  });
});

describe('item names', () => {
  it('parses each kind', () => {
    expect(parseItemName(keyItem('base'))).toEqual({ kind: 'key', profile: 'base' });
    expect(parseItemName(roleItem('dev'))).toEqual({ kind: 'role', profile: 'dev' });
    expect(parseItemName(sessionItem('base', MFA))).toEqual({ kind: 'session', base: 'base', mfaSerial: MFA });
    expect(parseItemName(sessionItem('base', undefined))).toEqual({
      kind: 'session',
      base: 'base',
      mfaSerial: undefined,
    });
  });

  it('keeps a hardware serial with colons whole', () => {
    expect(parseItemName(sessionItem('base', 'GAHT:1234:5678'))).toEqual({
      kind: 'session',
      base: 'base',
      mfaSerial: 'GAHT:1234:5678',
    });
  });

  it('keeps profile names with colons whole in key and role items', () => {
    expect(parseItemName(keyItem('org:dev'))).toEqual({ kind: 'key', profile: 'org:dev' });
    expect(parseItemName(roleItem('org:dev'))).toEqual({ kind: 'role', profile: 'org:dev' });
  });

  it('a session item of a base profile with a colon in its name parses back to that profile', () => {
    expect(parseItemName(sessionItem('org:base', MFA))).toEqual({ kind: 'session', base: 'org:base', mfaSerial: MFA });
    expect(parseItemName(sessionItem('org:base', undefined))).toEqual({
      kind: 'session',
      base: 'org:base',
      mfaSerial: undefined,
    });
  });

  it('is undefined for other names', () => {
    expect(parseItemName(usedCodeItem(MFA))).toBeUndefined();
    expect(parseItemName('session:nocolon')).toBeUndefined();
    expect(parseItemName('something-else')).toBeUndefined();
  });
});

describe('item names, exactly', () => {
  it('keeps the names items are stored under (a changed name loses what users stored)', () => {
    expect(usedCodeItem(MFA)).toBe(`mfa-used:${MFA}`);
    expect(ssoTokenItem('corp')).toBe('sso-token:corp');
    expect(isShortLived(usedCodeItem(MFA))).toBe(true);
    expect(isShortLived(ssoTokenItem('corp'))).toBe(false);
  });

  it('parses every session item name back to its base and device', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(
          fc.string().filter((s) => s !== '-'),
          { nil: undefined },
        ),
        (base, serial) => {
          expect(parseItemName(sessionItem(base, serial))).toEqual({ kind: 'session', base, mfaSerial: serial });
        },
      ),
    );
    expect(parseItemName(sessionItem('', MFA))).toEqual({ kind: 'session', base: '', mfaSerial: MFA });
  });
});

describe('malformed stored items', () => {
  const stored = JSON.parse(encodeEntry(entry)) as { credentials: Record<string, unknown> };
  const withCredentials = (c: Record<string, unknown>) =>
    JSON.stringify({ ...stored, credentials: { ...stored.credentials, ...c } });

  it.each([
    ['no access key id', withCredentials({ accessKeyId: undefined })],
    ['a numeric expiration', withCredentials({ expiration: Date.parse('2024-05-01T13:00:00.000Z') })],
    ['no credentials', JSON.stringify({ ...stored, credentials: null })],
  ])('a cached entry with %s is a cache miss', (_, text) => {
    expect(decodeEntry(text)).toBeUndefined();
  });

  it('a cached entry with a session token that is not a string decodes without one', () => {
    expect(decodeEntry(withCredentials({ sessionToken: 5 }))!.credentials).toStrictEqual({
      ...entry.credentials,
      sessionToken: undefined,
    });
  });

  it('a stored key without an access key id is not a key', () => {
    expect(decodeKey('{"secretAccessKey":"s"}')).toBeUndefined();
    expect(decodeKey('null')).toBeUndefined();
  });
});

describe('SSO tokens', () => {
  const token: SsoToken = {
    accessToken: 'at',
    expiresAt: new Date('2024-05-01T13:00:00.000Z'),
    refreshToken: 'rt',
    clientId: 'cid',
    clientSecret: 'cs',
    registrationExpiresAt: new Date('2024-08-01T00:00:00.000Z'),
    region: 'eu-west-1',
    startUrl: 'https://corp.awsapps.com/start',
  };

  it('round-trip, with and without the refresh fields', () => {
    expect(decodeSsoToken(encodeSsoToken(token))).toStrictEqual(token);
    const bare = { accessToken: 'at', expiresAt: token.expiresAt };
    expect(decodeSsoToken(encodeSsoToken(bare))).toStrictEqual(bare);
  });

  it("reads the older AWS CLI's times ending in UTC as UTC, whatever the local time zone", () => {
    const tz = process.env.TZ;
    try {
      for (const zone of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
        process.env.TZ = zone;
        const t = decodeSsoToken('{"accessToken":"at","expiresAt":"2021-05-20T05:16:31UTC"}');
        expect(t!.expiresAt.toISOString()).toBe('2021-05-20T05:16:31.000Z');
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it.each([
    ['null', 'null'],
    ['a JSON string', '"at"'],
    ['not JSON', '{'],
    ['an empty access token', '{"accessToken":"","expiresAt":"2024-05-01T13:00:00Z"}'],
    ['a numeric access token', '{"accessToken":5,"expiresAt":"2024-05-01T13:00:00Z"}'],
    ['a numeric expiresAt', '{"accessToken":"at","expiresAt":1714568400000}'],
    ['a bad expiresAt', '{"accessToken":"at","expiresAt":"soon"}'],
    ['no expiresAt', '{"accessToken":"at"}'],
  ])('%s is not a token', (_, text) => {
    expect(decodeSsoToken(text)).toBeUndefined();
  });

  it('drops optional fields that are empty, not strings, or bad dates', () => {
    const text = JSON.stringify({
      accessToken: 'at',
      expiresAt: '2024-05-01T13:00:00Z',
      refreshToken: '',
      clientId: 7,
      clientSecret: null,
      region: 'eu-west-1',
      registrationExpiresAt: 'never',
    });
    expect(decodeSsoToken(text)).toStrictEqual({ accessToken: 'at', expiresAt: token.expiresAt, region: 'eu-west-1' });
    expect(
      decodeSsoToken('{"accessToken":"at","expiresAt":"2024-05-01T13:00:00Z","registrationExpiresAt":5}'),
    ).toStrictEqual({ accessToken: 'at', expiresAt: token.expiresAt });
  });
});

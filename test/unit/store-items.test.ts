import { describe, expect, it } from 'vitest';
import {
  decodeEntry,
  decodeKey,
  encodeEntry,
  encodeKey,
  keyItem,
  parseItemName,
  roleItem,
  sessionItem,
  usedCodeItem,
  type CachedEntry,
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

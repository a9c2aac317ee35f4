import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MfaExecError } from '../../src/core/errors.js';
import { addSection, iniLines, removeKeys, upsertSection } from '../../src/core/ini-edit.js';
import { parseTexts } from '../support/aws-texts.js';
import { thrown } from '../support/failure.js';

const fixtures = join(import.meta.dirname, '../support/fixtures/configs');
const KEYS = ['aws_access_key_id', 'aws_secret_access_key'];

describe('iniLines', () => {
  it('gives the text back byte for byte', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '[', ']', '=', '#', ' ', '\n', '\r', '\r\n'), { maxLength: 60 }),
        (parts) => {
          const text = parts.join('');
          expect(
            iniLines(text)
              .map((l) => l.text + l.eol)
              .join(''),
          ).toBe(text);
        },
      ),
    );
  });
});

describe('removeKeys', () => {
  it('removes exactly the key lines of one section, keeping every other byte', () => {
    const text = readFileSync(join(fixtures, 'plain.credentials'), 'utf8');
    const out = removeKeys(text, 'test_iam_user', KEYS);
    expect(out).toBe(
      '[default]\naws_access_key_id = AKIAEXAMPLEDEFAULT01\naws_secret_access_key = fixture-secret-not-real\n\n# keys held in the file, overriding what config says\n[test_iam_user]\nregion = us-west-2\n',
    );
    expect(parseTexts('', out).credentialsProfiles).toEqual({
      default: { aws_access_key_id: 'AKIAEXAMPLEDEFAULT01', aws_secret_access_key: 'fixture-secret-not-real' },
      test_iam_user: { region: 'us-west-2' },
    });
  });

  it('keeps CRLF endings, comments and a missing final newline', () => {
    const text = '; c\r\n[a]\r\naws_access_key_id = X # old\r\n\r\nregion = r\r\n[b]\r\naws_access_key_id = Y';
    expect(removeKeys(text, 'a', KEYS)).toBe('; c\r\n[a]\r\n\r\nregion = r\r\n[b]\r\naws_access_key_id = Y');
    expect(removeKeys(text, 'b', KEYS)).toBe('; c\r\n[a]\r\naws_access_key_id = X # old\r\n\r\nregion = r\r\n[b]\r\n');
  });

  it('matches the header exactly and covers repeated sections', () => {
    const text = '[profile a]\nk = 1\n[a]\nk = 2\n[profile a]\nk = 3\n';
    expect(removeKeys(text, 'profile a', ['k'])).toBe('[profile a]\n[a]\nk = 2\n[profile a]\n');
  });

  it('takes the nested lines of a removed sub-section with it, and leaves nested keys of the same name alone', () => {
    const text = '[default]\ns3 =\n  max = 10\n  # note\n  style = path\nregion = x\nsts =\n  region = nested\n';
    expect(removeKeys(text, 'default', ['s3'])).toBe('[default]\n  # note\nregion = x\nsts =\n  region = nested\n');
    expect(removeKeys(text, 'default', ['region'])).toBe(
      '[default]\ns3 =\n  max = 10\n  # note\n  style = path\nsts =\n  region = nested\n',
    );
  });

  it('changes nothing when nothing matches', () => {
    const text = '[a]\nk = v\r\n# x';
    expect(removeKeys(text, 'b', ['k'])).toBe(text);
    expect(removeKeys(text, 'a', ['kk'])).toBe(text);
  });
});

describe('upsertSection', () => {
  it('updates lines in place, keeping indentation and inline comments', () => {
    const text = '[profile p]\nregion = old # why\n  output = json\n\n[profile q]\n';
    expect(
      upsertSection(text, 'profile p', [
        ['region', 'new'],
        ['output', 'text'],
      ]),
    ).toBe('[profile p]\nregion = new # why\n  output = text\n\n[profile q]\n');
  });

  it('appends missing keys after the last setting, before trailing blank lines and comments', () => {
    const text = '[profile p]\nregion = x\n\n# about q\n[profile q]\nregion = y\n';
    expect(
      upsertSection(text, 'profile p', [
        ['role_arn', 'arn:aws:iam::123456789012:role/R'],
        ['region', 'z'],
      ]),
    ).toBe(
      '[profile p]\nregion = z\nrole_arn = arn:aws:iam::123456789012:role/R\n\n# about q\n[profile q]\nregion = y\n',
    );
  });

  it('appends to the last of repeated sections and to an empty section', () => {
    expect(upsertSection('[a]\nx = 1\n[b]\n[a]\n', 'a', [['y', '2']])).toBe('[a]\nx = 1\n[b]\n[a]\ny = 2\n');
  });

  it("appends a new section after one blank line, in the file's line endings", () => {
    expect(upsertSection('[a]\r\nx = 1\r\n', 'profile b', [['region', 'r']])).toBe(
      '[a]\r\nx = 1\r\n\r\n[profile b]\r\nregion = r\r\n',
    );
    expect(upsertSection('[a]\nx = 1', 'b', [['k', 'v']])).toBe('[a]\nx = 1\n\n[b]\nk = v\n');
    expect(upsertSection('[a]\nx = 1\n\n', 'b', [['k', 'v']])).toBe('[a]\nx = 1\n\n[b]\nk = v\n');
    expect(upsertSection('', 'b', [['k', 'v']])).toBe('[b]\nk = v\n');
  });

  it('keeps a missing final newline when appending at the end', () => {
    expect(upsertSection('[a]\nx = 1', 'a', [['y', '2']])).toBe('[a]\nx = 1\ny = 2');
  });

  it('replaces a sub-section set to a plain value', () => {
    expect(upsertSection('[a]\ns3 =\n  max = 1\nk = v\n', 'a', [['s3', 'flat']])).toBe('[a]\ns3 = flat\nk = v\n');
  });

  it.each([
    ['bad]name', [['k', 'v']]],
    [' lead', [['k', 'v']]],
    ['ok', [['k=1', 'v']]],
    ['ok', [['k', '']]],
    ['ok', [['k', 'two\nlines']]],
    ['ok', [['k', 'cut # here']]],
  ] as [string, [string, string][]][])('refuses what would not read back: %j %j', (section, values) => {
    expect(() => upsertSection('', section, values)).toThrow(MfaExecError);
  });

  it('reads back what it wrote, leaving the rest as it was (round trip through the parser)', () => {
    const original = readFileSync(join(fixtures, 'crlf-nested.config'), 'utf8');
    const before = parseTexts(original);
    let text = upsertSection(original, 'profile local', [
      ['region', 'eu-north-1'],
      ['endpoint_url', 'http://127.0.0.1:9'],
    ]);
    text = upsertSection(text, 'profile fresh', [
      ['role_arn', 'arn:aws:iam::123456789012:role/F'],
      ['source_profile', 'default'],
    ]);
    const after = parseTexts(text);
    expect(after.profiles.local).toEqual({
      ...before.profiles.local,
      region: 'eu-north-1',
      endpoint_url: 'http://127.0.0.1:9',
    });
    expect(after.profiles.fresh).toEqual({ role_arn: 'arn:aws:iam::123456789012:role/F', source_profile: 'default' });
    expect(after.profiles.default).toEqual(before.profiles.default);
    expect(after.services).toEqual(before.services);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('round-trips random settings into random sections', () => {
    const name = fc.constantFrom('a', 'b', 'dev', 'prod-1');
    const key = fc.constantFrom('region', 'role_arn', 'output', 'mfa_serial');
    const value = fc.constantFrom('x', 'eu-west-1', 'arn:aws:iam::123456789012:role/R', 'a=b', 'http://h/p#f');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 4 })), { maxLength: 8 }),
        (edits) => {
          let text = '# managed\n';
          const expected: Record<string, Record<string, string>> = {};
          for (const [section, values] of edits) {
            text = upsertSection(text, `profile ${section}`, values);
            expected[section] = { ...expected[section], ...Object.fromEntries(values) };
          }
          const got = Object.fromEntries(Object.entries(parseTexts(text).profiles).map(([k, v]) => [k, { ...v }]));
          expect(got).toEqual(expected);
          for (const section of Object.keys(expected)) {
            const removed = parseTexts(removeKeys(text, `profile ${section}`, ['region'])).profiles[section]!;
            expect(removed.region).toBeUndefined();
          }
        },
      ),
    );
  });
});

describe('iniLines classification', () => {
  const line = (text: string) => iniLines(text)[0]!;

  it('reads each kind of line as the SDK does', () => {
    expect(line('[profile a] # c')).toEqual({
      text: '[profile a] # c',
      eol: '',
      kind: 'section',
      name: 'profile a',
      value: '',
      indented: false,
      commentAt: 11,
    });
    expect(line('[profile a\n')).toMatchObject({ kind: 'unclosed', name: '', value: '', eol: '\n' });
    expect(line('  region = x ; why\r\n')).toEqual({
      text: '  region = x ; why',
      eol: '\r\n',
      kind: 'key',
      name: 'region',
      value: 'x',
      indented: true,
      commentAt: 12,
    });
    expect(line('just words')).toEqual({
      text: 'just words',
      eol: '',
      kind: 'garbage',
      name: '',
      value: '',
      indented: false,
      commentAt: -1,
    });
    expect(line('= no key')).toMatchObject({ kind: 'garbage', name: '', value: '' });
    expect(line('  # only a comment')).toMatchObject({ kind: 'blank', commentAt: 1, indented: true });
    expect(line('url = http://h/p#f')).toMatchObject({ kind: 'key', value: 'http://h/p#f', commentAt: -1 });
    expect(line('s3 =')).toMatchObject({ kind: 'key', name: 's3', value: '' });
  });

  it('splits at every "\\n", keeping "\\r" only as part of a "\\r\\n" ending', () => {
    expect(iniLines('a\r\n\nb\r').map((l) => [l.text, l.eol])).toEqual([
      ['a', '\r\n'],
      ['', '\n'],
      ['b\r', ''],
    ]);
    expect(iniLines('')).toEqual([]);
  });
});

describe('removeKeys, boundaries', () => {
  it('never takes a section header for a key of the same name', () => {
    expect(removeKeys('[region]\nregion = x\n', 'region', ['region'])).toBe('[region]\n');
  });
});

describe('upsertSection, boundaries', () => {
  it('appends after the last of several settings', () => {
    expect(upsertSection('[a]\nx = 1\ny = 2\n\n[b]\n', 'a', [['z', '3']])).toBe('[a]\nx = 1\ny = 2\nz = 3\n\n[b]\n');
  });

  it('changes only the value when every key is there, keeping a missing final newline', () => {
    expect(upsertSection('[a]\nx = 1', 'a', [['x', '2']])).toBe('[a]\nx = 2');
  });

  it('takes the line ending from the first line that has one', () => {
    expect(upsertSection('[a]', 'b', [['k', 'v']])).toBe('[a]\n\n[b]\nk = v\n');
    expect(upsertSection('[a]\r\nx = 1', 'b', [['k', 'v']])).toBe('[a]\r\nx = 1\r\n\r\n[b]\r\nk = v\r\n');
  });

  it('finds the section by its header, not by a key of the same name elsewhere', () => {
    expect(upsertSection('[a]\nx = 1\n[b]\na = 2\n', 'a', [['y', '2']])).toBe('[a]\nx = 1\ny = 2\n[b]\na = 2\n');
  });

  it('counts a last line of only spaces as the blank line before a new section', () => {
    expect(upsertSection('[a]\nx = 1\n  ', 'b', [['k', 'v']])).toBe('[a]\nx = 1\n  \n[b]\nk = v\n');
  });

  it.each([
    ['bad]name', [['k', 'v']], 'the section name "bad]name"'],
    ['trail ', [['k', 'v']], 'the section name "trail "'],
    ['ok', [['k=1', 'v']], 'the key "k=1"'],
    ['ok', [['k', ' v']], 'the value of k'],
    ['ok', [['k', 'v ']], 'the value of k'],
    ['ok', [['k', 'cut ; here']], 'the value of k'],
  ] as [string, [string, string][], string][])('names what it refuses: %j %j', (section, values, what) => {
    const e = thrown(() => upsertSection('', section, values));
    expect(e.kind).toBe('config');
    expect(e.message).toBe(`cannot write ${what} to an AWS ini file`);
    expect(e.hint).toBe('use names of letters, digits, "_", "-" and "." and values on one line without " #" or " ;"');
  });
});

describe('addSection', () => {
  it('appends an empty section after one blank line', () => {
    expect(addSection('[a]\nk = v\n', 'profile x')).toBe('[a]\nk = v\n\n[profile x]\n');
    expect(addSection('[a]\nk = v', 'profile x')).toBe('[a]\nk = v\n\n[profile x]\n');
    expect(addSection('[a]\nk = v\n\n', 'profile x')).toBe('[a]\nk = v\n\n[profile x]\n');
    expect(addSection('[a]', 'profile x')).toBe('[a]\n\n[profile x]\n');
  });

  it("keeps the file's CRLF line endings", () => {
    expect(addSection('[a]\r\nk = v\r\n', 'b')).toBe('[a]\r\nk = v\r\n\r\n[b]\r\n');
    expect(addSection('[a]\r\nk = v', 'b')).toBe('[a]\r\nk = v\r\n\r\n[b]\r\n');
  });

  it('replaces an empty or blank file by the section alone', () => {
    expect(addSection('', 'profile x')).toBe('[profile x]\n');
    expect(addSection('  \n\n', 'profile x')).toBe('[profile x]\n');
  });

  it('leaves a file that has the section already exactly as it was', () => {
    const text = '# mine\n[profile x] # note\nregion = r';
    expect(addSection(text, 'profile x')).toBe(text);
  });

  it('matches the header exactly, never a key of that name', () => {
    expect(addSection('[x]\n', 'profile x')).toBe('[x]\n\n[profile x]\n');
    expect(addSection('[a]\ndefault = 1\n', 'default')).toBe('[a]\ndefault = 1\n\n[default]\n');
  });

  it('refuses a section name that would not read back', () => {
    const e = thrown(() => addSection('', 'a]b'));
    expect(e.message).toBe('cannot write the section name "a]b" to an AWS ini file');
  });
});

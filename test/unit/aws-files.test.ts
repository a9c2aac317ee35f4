import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { externalDataInterceptor, loadSharedConfigFiles, parseKnownFiles } from '@smithy/shared-ini-file-loader';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAwsFiles } from '../../src/adapters/aws-files.js';
import { MfaExecError } from '../../src/core/errors.js';
import { thrown } from '../support/failure.js';
import { parseTexts } from '../support/aws-texts.js';

const fixtures = join(import.meta.dirname, '../support/fixtures/configs');

function parseError(config: string, credentials = ''): MfaExecError {
  return thrown(() => parseTexts(config, credentials));
}

describe('loadAwsFiles', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mfa-exec-files-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('reads ~/.aws/config and ~/.aws/credentials by default and labels them with ~', () => {
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws/config'), readFileSync(join(fixtures, 'contract.config')));
    writeFileSync(join(home, '.aws/credentials'), readFileSync(join(fixtures, 'plain.credentials')));
    const files = loadAwsFiles({}, home);
    expect(files.configPath).toBe(join(home, '.aws/config'));
    expect(files.credentialsPath).toBe(join(home, '.aws/credentials'));
    expect(files.configLabel).toBe('~/.aws/config');
    expect(files.credentialsLabel).toBe('~/.aws/credentials');
    expect(Object.keys(files.profiles).sort()).toEqual(['default', 'test', 'test_iam_user']);
    // credentials override config for the same profile, as the SDK merges them
    expect(files.profiles.test_iam_user).toEqual({
      region: 'us-west-2',
      aws_access_key_id: 'AKIAEXAMPLETESTUSR01',
      aws_secret_access_key: 'fixture-secret-not-real-2',
    });
    expect(Object.keys(files.credentialsProfiles).sort()).toEqual(['default', 'test_iam_user']);
  });

  it('follows AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, expanding ~/', () => {
    writeFileSync(join(home, 'cfg'), '[profile moved]\nregion = us-east-2\n');
    writeFileSync(
      join(home, 'creds'),
      '[moved]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = s\n',
    );
    const files = loadAwsFiles({ AWS_CONFIG_FILE: '~/cfg', AWS_SHARED_CREDENTIALS_FILE: join(home, 'creds') }, home);
    expect(files.configPath).toBe(join(home, 'cfg'));
    expect(files.configLabel).toBe('~/cfg');
    expect(files.profiles.moved).toMatchObject({ region: 'us-east-2', aws_access_key_id: 'AKIAEXAMPLE000000001' });
  });

  it('reads missing files as empty', () => {
    const files = loadAwsFiles(
      { AWS_CONFIG_FILE: join(home, 'nope'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'nope2') },
      home,
    );
    expect(files.profiles).toEqual({});
    expect(files.services).toEqual({});
  });

  it('fails clearly when a path is not a readable file', () => {
    expect(() => loadAwsFiles({ AWS_CONFIG_FILE: home }, home)).toThrow(/cannot read ~: EISDIR/);
  });

  it('names file and line of a malformed line read from disk', () => {
    writeFileSync(join(home, 'cfg'), '[profile ok]\nregion = x\n[profile broken\n');
    expect(() => loadAwsFiles({ AWS_CONFIG_FILE: join(home, 'cfg') }, home)).toThrow(
      '~/cfg:3: section header without a closing "]"',
    );
  });
});

describe('parseAwsFiles: the SDK semantics', () => {
  it('[profile NAME] and [default] are profiles in config; [NAME] there is ignored and remembered for hints', () => {
    const files = parseTexts('[default]\nregion = a\n[profile dev]\nregion = b\n[prod]\nregion = c\n');
    expect(Object.keys(files.profiles).sort()).toEqual(['default', 'dev']);
    expect(files.ignoredSections).toEqual([{ label: '~/.aws/config', line: 5, header: 'prod' }]);
  });

  it('[profile default] replaces [default] in config wherever it stands', () => {
    expect(
      parseTexts('[profile default]\nregion = a\n[default]\nregion = b\noutput = json\n').profiles.default,
    ).toEqual({
      region: 'a',
    });
  });

  it('accepts quoted names, as the SDK', () => {
    expect(parseTexts('[profile "q-1"]\nregion = a\n').profiles['q-1']).toEqual({ region: 'a' });
  });

  it('[NAME] is a profile in credentials; [profile NAME] there is not', () => {
    const files = parseTexts('', '[prod]\naws_access_key_id = A\n[profile dev]\naws_access_key_id = B\n');
    expect(Object.keys(files.profiles)).toEqual(['prod']);
    expect(files.ignoredSections).toEqual([{ label: '~/.aws/credentials', line: 3, header: 'profile dev' }]);
  });

  it('keeps [services X] apart and ignores [sso-session X]', () => {
    const text = readFileSync(join(fixtures, 'crlf-nested.config'), 'utf8');
    const files = parseTexts(text);
    expect(Object.keys(files.profiles).sort()).toEqual(['default', 'local']);
    expect(files.services).toEqual({
      'local-stack': { 'sts.endpoint_url': 'http://127.0.0.1:5000', 'iam.endpoint_url': 'http://127.0.0.1:5001' },
    });
    expect(files.profiles.default).toEqual({
      region: 'eu-west-1',
      's3.max_concurrent_requests': '10',
      's3.addressing_style': 'path',
      output: 'json',
    });
  });

  it('strips comments at line start and after whitespace only; keys are case-sensitive', () => {
    const files = parseTexts(
      '# top\n; top\n[profile a] # header comment\nRegion = x\nregion = y #c\nurl = http://h/p#frag\nk = v;not-a-comment\n  ; indented comment\n',
    );
    expect(files.profiles.a).toEqual({ Region: 'x', region: 'y', url: 'http://h/p#frag', k: 'v;not-a-comment' });
  });

  it('merges repeated sections, later values winning', () => {
    expect(parseTexts('[profile a]\nx = 1\ny = 1\n[profile a]\ny = 2\n').profiles.a).toEqual({ x: '1', y: '2' });
  });

  it('keeps a profile with no settings', () => {
    expect(parseTexts('[profile empty]\n').profiles.empty).toEqual({});
  });

  it('ends a sub-section at the first unindented key with a value', () => {
    expect(parseTexts('[profile a]\ns3 =\n  x = 1\ny = 2\n  z = 3\n').profiles.a).toEqual({
      's3.x': '1',
      y: '2',
      z: '3',
    });
  });
});

describe('parseAwsFiles: malformed files fail with file:line', () => {
  it.each([
    ['[profile x\nregion = a\n', '~/.aws/config:1: section header without a closing "]"'],
    ['[profile x]\nregion: a\n', '~/.aws/config:2: neither "key = value", a [section] header nor a comment'],
    ['[profile x]\n= a\n', '~/.aws/config:2: neither "key = value", a [section] header nor a comment'],
    ['region = a\n[profile x]\n', '~/.aws/config:1: setting outside any [section]'],
    ['[]\n', '~/.aws/config:1: empty section header'],
    ['[profile __proto__]\nregion = a\n', '~/.aws/config:1: invalid profile name "profile __proto__"'],
  ])('%j', (text, message) => {
    const e = parseError(text);
    expect(e.kind).toBe('config');
    expect(e.message).toBe(message);
    expect(e.hint).toBeTruthy();
  });

  it('names the credentials file and never echoes the bad line (it may hold a secret)', () => {
    const e = parseError('', '[default]\naws_access_key_id = AKIAEXAMPLE\nwJalrXUtnFEMIEXAMPLEKEY\n');
    expect(e.message).toBe('~/.aws/credentials:3: neither "key = value", a [section] header nor a comment');
    expect(`${e.message} ${e.hint}`).not.toContain('wJalr');
  });

  it('accepts a UTF-8 byte order mark, as the SDK does', () => {
    expect(parseTexts('\uFEFF[profile a]\nregion = x\n').profiles.a).toEqual({ region: 'x' });
  });
});

describe('parseAwsFiles, lazily: malformed headers and lines before the first header still fail at once', () => {
  it.each([
    '[profile a]\nregion = x\n[profile b\nregion = y\n',
    '[profile a]\n  []\n',
    '[profile a]\n[profile __proto__]\n',
    '[profile a]\n[profile b] x\n',
    '[profile a]\n[profile b #c]\n',
    '[profile a]\n[profile b]#c\n',
    '[profile a\n',
    'region = a\n[profile x]\n',
    '[profile a]\nbad line\n[profile b\n',
  ])('%j', (text) => {
    const eager = parseError(text);
    expect(() => parseTexts(text, '', { lazy: true })).toThrow(eager.message);
    expect(() => parseTexts('', text.replace(/profile /g, ''), { lazy: true })).toThrow(MfaExecError);
  });

  it('accepts headers with comments and odd but valid names without indexing', () => {
    const files = parseTexts('[profile a] # note\nregion = x\n[a]b]\n[profile b]\t;c\nregion = y\n', '', {
      lazy: true,
    });
    expect({ ...files.profiles.a }).toEqual({ region: 'x' });
    expect({ ...files.profiles.b }).toEqual({ region: 'y' });
  });
});

describe('parseAwsFiles: properties', () => {
  it('random text yields a result or an MfaExecError, nothing else', () => {
    const piece = fc.constantFrom(
      '[',
      ']',
      '=',
      '#',
      ';',
      ' ',
      '\t',
      '\n',
      '\r\n',
      '\r',
      'a',
      'profile ',
      'services ',
      'default',
      '__proto__',
      '"',
      'é',
      '\uFEFF',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 80 }).map((p) => p.join('')),
        fc.boolean(),
        (text, asCredentials) => {
          try {
            asCredentials ? parseTexts('', text) : parseTexts(text);
          } catch (e) {
            if (!(e instanceof MfaExecError) || e.kind !== 'config') throw e;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads whatever it accepts exactly as @smithy/shared-ini-file-loader does', async () => {
    const name = fc.constantFrom('a', 'b', 'dev-1', 'x_y', 'default');
    const header = fc.oneof(
      name.map((n) => `[profile ${n}]`),
      name.map((n) => `[${n}]`),
      name.map((n) => `[profile "${n}"]`),
      name.map((n) => `[services ${n}]`),
      name.map((n) => `[sso-session ${n}]`),
      name.map((n) => `[other ${n}] # c`),
    );
    const keyLine = fc
      .tuple(
        fc.constantFrom('', '  ', '\t'),
        fc.constantFrom('region', 'Region', 'role_arn', 's3', 'sts', 'endpoint_url', 'my key'),
        fc.constantFrom('=', ' = ', '= ', ' =\t'),
        fc.constantFrom('', 'v1', 'a=b', 'x#y', 'http://h:1/p', ' spaced value '),
        fc.constantFrom('', ' # c', ' ;c', '\t#x'),
      )
      .map((parts) => parts.join(''));
    const line = fc.oneof(header, keyLine, keyLine, fc.constantFrom('', '# c', '  ; c'));
    const file = fc
      .tuple(header, fc.array(line, { maxLength: 25 }), fc.constantFrom('\n', '\r\n'))
      .map(([first, rest, eol]) => [first, ...rest].join(eol) + eol);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(file, file, async (config, credentials) => {
        const paths = { configFilepath: `/oracle/${run}/config`, filepath: `/oracle/${run++}/credentials` };
        externalDataInterceptor.interceptFile(paths.configFilepath, config);
        externalDataInterceptor.interceptFile(paths.filepath, credentials);
        const sdk = await loadSharedConfigFiles(paths);
        const sdkMerged = await parseKnownFiles(paths);
        const ours = parseTexts(config, credentials);
        const sdkProfiles = Object.fromEntries(Object.entries(sdkMerged).filter(([k]) => !k.includes('.')));
        const sdkServices = Object.fromEntries(
          Object.entries(sdk.configFile).flatMap(([k, v]) => (k.startsWith('services.') ? [[k.slice(9), v]] : [])),
        );
        const nonEmpty = (r: Record<string, Record<string, string>>) =>
          Object.fromEntries(
            Object.entries(r)
              .filter(([, v]) => Object.keys(v).length > 0)
              .map(([k, v]) => [k, { ...v }]),
          );
        expect(nonEmpty(ours.profiles)).toEqual(sdkProfiles);
        expect(nonEmpty(ours.services)).toEqual(sdkServices);
        // Read lazily (as loadAwsFiles does), the same profiles, names in the same order.
        const lazy = parseTexts(config, credentials, { lazy: true });
        expect(Object.keys(lazy.profiles)).toEqual(Object.keys(ours.profiles));
        expect(nonEmpty(lazy.profiles)).toEqual(sdkProfiles);
        expect(nonEmpty(lazy.services)).toEqual(sdkServices);
        expect(nonEmpty(lazy.credentialsProfiles)).toEqual(nonEmpty(ours.credentialsProfiles));
        // And each looked up by name alone (the file never indexed as a whole), as exec does.
        const byName = parseTexts(config, credentials, { lazy: true });
        for (const n of [...Object.keys(ours.profiles), 'missing', 'default']) {
          expect(Object.hasOwn(byName.profiles, n)).toBe(Object.hasOwn(ours.profiles, n));
          if (Object.hasOwn(ours.profiles, n)) expect({ ...byName.profiles[n] }).toEqual({ ...ours.profiles[n] });
        }
        for (const n of Object.keys(ours.services)) expect({ ...byName.services[n] }).toEqual({ ...ours.services[n] });
      }),
      { numRuns: 500 },
    );
  });

  it('parses a 5,000-profile config quickly', () => {
    const parts: string[] = [];
    for (let i = 0; i < 5000; i++) {
      parts.push(
        `[profile p${i}]\nrole_arn = arn:aws:iam::123456789012:role/r${i}\nsource_profile = base # comment\nmfa_serial = arn:aws:iam::123456789012:mfa/u\nregion = eu-west-1\n\n`,
      );
    }
    const text = parts.join('');
    const times = [0, 1, 2].map(() => {
      const start = process.hrtime.bigint();
      parseTexts(text);
      return Number(process.hrtime.bigint() - start) / 1e6;
    });
    const files = parseTexts(text);
    const ms = Math.min(...times);
    console.log(
      `5,000 profiles (${(text.length / 1024).toFixed(0)} KiB) parsed in ${times.map((t) => t.toFixed(1)).join(' / ')} ms (first / second / third)`,
    );
    expect(Object.keys(files.profiles)).toHaveLength(5000);
    expect(ms).toBeLessThan(1000);
  });

  it('lazily, parses only the sections read: a bad line elsewhere is reported when its profile is read', () => {
    const parts = ['[profile base]\nregion = eu-west-1\n'];
    for (let i = 0; i < 5000; i++) parts.push(`[profile p${i}]\nrole_arn = arn:aws:iam::123456789012:role/r${i}\n`);
    parts.push('[profile bad]\nthis is not ini\n', '[profile base]\nmfa_serial = arn:aws:iam::123456789012:mfa/u\n');
    const text = parts.join('');
    expect(() => parseTexts(text)).toThrow('~/.aws/config:10004: neither "key = value"');
    const times = [0, 1, 2].map(() => {
      const start = process.hrtime.bigint();
      const files = parseTexts(text, '[base]\naws_access_key_id = A\n', { lazy: true });
      // A repeated section merges, later values winning, and the credentials file on top.
      expect({ ...files.profiles.base }).toEqual({
        region: 'eu-west-1',
        mfa_serial: 'arn:aws:iam::123456789012:mfa/u',
        aws_access_key_id: 'A',
      });
      expect(Object.hasOwn(files.profiles, 'p4999')).toBe(true);
      expect(Object.hasOwn(files.profiles, 'p5000')).toBe(false);
      expect(Object.keys(files.profiles)).toHaveLength(5002);
      expect(() => files.profiles.bad).toThrow('~/.aws/config:10004: neither "key = value"');
      return Number(process.hrtime.bigint() - start) / 1e6;
    });
    console.log(`5,000 profiles, read lazily: ${times.map((t) => t.toFixed(1)).join(' / ')} ms`);
  });
});

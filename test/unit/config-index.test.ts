// The section index of a large config file (adapters/config-index.ts, read by
// loadAwsFilesIndexed): what a run reads through it equals what the whole file gives, it is
// written only for a settled, well-formed file, and it is never used for another version of
// the file or when someone else could have written it.

import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAwsFiles, loadAwsFilesIndexed } from '../../src/adapters/aws-files.js';
import { INDEXED_SIZE } from '../../src/adapters/config-index.js';
import { resolveChain } from '../../src/core/config.js';

/** ~100 KB of generated profiles, so the file is indexed. */
const PADDING = Array.from(
  { length: 900 },
  (_, i) => `[profile gen${i}]\nrole_arn = arn:aws:iam::123456789012:role/R${i}\nsource_profile = base\n`,
).join('\n');

/** Sections the index must get exactly right: duplicates, both defaults, sub-settings, non-ASCII text before them, CRLF, no final line break. */
const CONFIG = [
  '# a config with a comment first\n',
  '[default]\nregion = eu-west-1\n',
  '[profile café]\n; non-ASCII before the sections looked up: byte and string offsets differ\nregion = ap-south-1\n',
  PADDING,
  '[profile base]\r\nregion = us-east-1\r\n',
  '[profile p]\nrole_arn = arn:aws:iam::123456789012:role/P\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/u\n',
  '[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-1\n',
  '[profile dup]\nregion = eu-north-1\ns3 =\n  max_concurrent_requests = 20\n',
  '[services local]\nsts =\n  endpoint_url = http://127.0.0.1:1\n',
  '[profile default]\noutput = json\n',
  '[profile dup]\noutput = text\nservices = local\n',
  '[profile last]\nsource_profile = p\nregion = sa-east-1',
].join('\n');

const NAMES = ['p', 'base', 'dup', 'default', 'last', 'café', 'gen7', 'gen899', 'nosuch'];
const LATER = 10_000;

let home: string;
let config: string;
let indexDir: string;
const env = () => ({ AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials') });

/** Everything a run may look up, through loadAwsFilesIndexed, then `done`. */
function lookUp(now = Date.now() + LATER) {
  const { files, done } = loadAwsFilesIndexed(env(), home, indexDir, () => now);
  const seen = {
    profiles: NAMES.map((n) => [n, Object.hasOwn(files.profiles, n), files.profiles[n]]),
    session: files.ssoSessions.corp,
    services: files.services.local,
    chain: resolveChain(files, 'last'),
  };
  done(true);
  return seen;
}

/** The same, from the whole file (loadAwsFiles). */
function lookUpWhole() {
  const files = loadAwsFiles(env(), home);
  return {
    profiles: NAMES.map((n) => [n, Object.hasOwn(files.profiles, n), files.profiles[n]]),
    session: files.ssoSessions.corp,
    services: files.services.local,
    chain: resolveChain(files, 'last'),
  };
}

const entries = () => (existsSync(indexDir) ? readdirSync(indexDir).filter((f) => f.endsWith('.json')) : []);

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'mfa-exec-index-'));
  config = join(home, 'config');
  indexDir = join(home, 'index');
  writeFileSync(config, CONFIG);
  expect(Buffer.byteLength(CONFIG)).toBeGreaterThan(INDEXED_SIZE);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('the section index of a large config file', () => {
  it('gives what the whole file gives, on the run that writes it and on the runs that read it', () => {
    const whole = lookUpWhole();
    expect(lookUp()).toEqual(whole);
    expect(entries()).toHaveLength(1);
    const entry = JSON.parse(readFileSync(join(indexDir, entries()[0]!), 'utf8'));
    expect(entry.path).toBe(config);
    expect(Object.keys(entry.lookups)).toEqual(expect.arrayContaining(['profile p', 'profile dup', 'profile nosuch']));
    expect(entry.lookups['profile nosuch']).toEqual([]);
    expect(entry.lookups['profile dup']).toHaveLength(2);
    // It names sections by byte offsets: the bytes there are the section's header.
    const bytes = readFileSync(config);
    const [[start, end]] = entry.lookups['profile p'];
    expect(bytes.subarray(start, end).toString()).toMatch(/^\[profile p\]\nrole_arn = [^\n]*\/P\n/);
    // Read through the index (the entry has every lookup): the same again, and nothing new to
    // learn, so the entry is not written again (a rejected entry would be: a new file).
    const written = statSync(join(indexDir, entries()[0]!)).ino;
    expect(lookUp()).toEqual(whole);
    expect(statSync(join(indexDir, entries()[0]!)).ino).toBe(written);
  });

  it('is believed by a run that finds it: an entry saying there is no profile p hides the file’s', () => {
    lookUp();
    const file = join(indexDir, entries()[0]!);
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    entry.lookups['profile p'] = [];
    writeFileSync(file, JSON.stringify(entry), { mode: 0o600 });
    const { files, done } = loadAwsFilesIndexed(env(), home, indexDir);
    expect(Object.hasOwn(files.profiles, 'p')).toBe(false);
    expect(files.profiles.base).toEqual({ region: 'us-east-1' });
    done(false);
  });

  it('is not written for a file changed in the last 2 s (coarse timestamps), nor when a lookup failed', () => {
    lookUp(Date.now());
    expect(entries()).toEqual([]);
    const { files, done } = loadAwsFilesIndexed(env(), home, indexDir, () => Date.now() + LATER);
    expect(files.profiles.p?.role_arn).toMatch(/\/P$/);
    done(false);
    expect(entries()).toEqual([]);
  });

  it('is not used for another version of the file, even one of the same size', () => {
    lookUp();
    // Every section moves 6 bytes up (the old offsets would cut them wrongly), p's role changes,
    // and the file keeps its size.
    const edited = `${CONFIG.replace('# a config with a comment first', '# a config with a comment').replace('role/P\n', 'role/Q\n')}      `;
    expect(edited.length).toBe(CONFIG.length);
    writeFileSync(config, edited);
    const { files, done } = loadAwsFilesIndexed(env(), home, indexDir, () => Date.now() + LATER);
    expect(files.profiles.p?.role_arn).toMatch(/\/Q$/);
    done(true);
  });

  it('is ignored when others may write it', () => {
    lookUp();
    const file = join(indexDir, entries()[0]!);
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    entry.lookups['profile p'] = [];
    writeFileSync(file, JSON.stringify(entry));
    chmodSync(file, 0o666);
    const { files, done } = loadAwsFilesIndexed(env(), home, indexDir);
    expect(files.profiles.p?.role_arn).toMatch(/\/P$/);
    done(false);
  });

  it('is not written for a file with a malformed header anywhere, which fails as the whole CLI fails', () => {
    writeFileSync(config, `${CONFIG}\n[profile broken\nregion = x\n`);
    expect(() => lookUp()).toThrow(/section header without a closing "\]"/);
    expect(() => lookUpWhole()).toThrow(/section header without a closing "\]"/);
    expect(entries()).toEqual([]);
  });

  it('is not used for a small file, which is read whole', () => {
    writeFileSync(config, '[profile p]\nregion = eu-west-1\n');
    const { files, done } = loadAwsFilesIndexed(env(), home, indexDir, () => Date.now() + LATER);
    expect(files.profiles.p).toEqual({ region: 'eu-west-1' });
    done(true);
    expect(() => readdirSync(indexDir)).toThrow(/ENOENT/);
  });
});

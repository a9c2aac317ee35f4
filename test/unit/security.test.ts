// The pure parts of the security round (issue 10), and the adapters' small primitives:
// escaping of names, credential value checks, the peer-uid lookup in /proc/net/tcp, the
// symlink walk of AWS file edits, the helpers' environment and the 0600 sign-in page.

import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { realTarget, writeFileAtomic } from '../../src/adapters/atomic-file.js';
import { openThroughFile, peerUid } from '../../src/adapters/federation.js';
import { helperEnv } from '../../src/adapters/helpers.js';
import { buildChildEnv, refuseDefaultCredentialSource } from '../../src/core/child-env.js';
import type { ParsedAwsFiles } from '../../src/core/config.js';
import { checkCredentials } from '../../src/core/credential-checks.js';
import { deleteKeyHint, escapeBidiInJson, escapeControls } from '../../src/core/display.js';
import { isMfaExecError, type MfaExecError } from '../../src/core/errors.js';
import { showKey } from '../../src/core/redact.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'mfa-exec-sec-unit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('escapeControls', () => {
  it('escapes C0, DEL, C1 and bidi controls, and leaves other text alone', () => {
    expect(escapeControls('prod\x1b[2K\x1b[1Gfake')).toBe('prod\\x1b[2K\\x1b[1Gfake');
    expect(escapeControls('a\u202eb\u2066c\u200fd\u061ce')).toBe('a\\u202eb\\u2066c\\u200fd\\u061ce');
    expect(escapeControls('x\x7fy\x9bz\tw\nv')).toBe('x\\x7fy\\x9bz\\x09w\\x0av');
    expect(escapeControls('prod-eu_1.é日本 ok')).toBe('prod-eu_1.é日本 ok');
  });
  it('JSON keeps its value, with bidi controls written as \\u escapes', () => {
    const json = escapeBidiInJson(JSON.stringify({ p: 'ab\u202ecd\u0085' }));
    expect(json).toBe('{"p":"ab\\u202ecd\\u0085"}');
    expect(JSON.parse(json).p).toBe('ab\u202ecd\u0085');
  });
  it('showKey shows a key id by its last 4 characters only', () => {
    expect(showKey('AKIAABCDEFGHIJKL1234')).toBe('…1234');
  });
  it('delete hints name a key by its last 4 characters only', () => {
    const hint = deleteKeyHint('carol', 'AKIAABCDEFGHIJKL1234');
    expect(hint).toContain('ending in 1234');
    expect(hint).not.toContain('AKIAABCDEFGHIJKL');
  });
});

describe('checkCredentials', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const good = {
    accessKeyId: 'ASIAX',
    secretAccessKey: 's',
    sessionToken: 't',
    expiration: new Date('2030-01-01T01:00:00Z'),
  };
  const o = (expirationRequired: boolean) => ({ source: 'STS (AssumeRole)', now, expirationRequired, hint: 'h' });
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(isMfaExecError(e)).toBe(true);
      return (e as Error).message;
    }
    return 'no error';
  };
  it('passes good credentials through unchanged', () => {
    expect(checkCredentials(good, o(true))).toBe(good);
    expect(checkCredentials({ ...good, expiration: undefined }, o(false)).accessKeyId).toBe('ASIAX');
  });
  it('refuses a missing, unparsable, past or present expiration', () => {
    expect(message(() => checkCredentials({ ...good, expiration: undefined }, o(true)))).toBe(
      'STS (AssumeRole) gave credentials without an expiration time; they were not used',
    );
    expect(message(() => checkCredentials({ ...good, expiration: new Date('x') }, o(false)))).toContain('not a date');
    expect(message(() => checkCredentials({ ...good, expiration: now }, o(false)))).toContain('already expired');
  });
  it('the refusal is an sts error naming the source and the field, with the hint it is given', () => {
    for (const [field, name] of [
      ['accessKeyId', 'AccessKeyId'],
      ['secretAccessKey', 'SecretAccessKey'],
      ['sessionToken', 'SessionToken'],
    ] as const) {
      try {
        checkCredentials({ ...good, [field]: 'a\nb' }, o(true));
        throw new Error('expected a refusal');
      } catch (e) {
        expect(isMfaExecError(e)).toBe(true);
        const { kind, message, hint } = e as MfaExecError;
        expect({ kind, message, hint }).toEqual({
          kind: 'sts',
          message: `STS (AssumeRole) gave a ${name} holding a newline or control character; it was not used`,
          hint: 'h',
        });
      }
    }
  });
  it('refuses a control character in any value without showing the value', () => {
    for (const field of ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const) {
      for (const bad of ['a\nb', 'a\rb', 'a\x00b', 'a\x1bb', 'a\x85b']) {
        const m = message(() => checkCredentials({ ...good, [field]: bad }, o(true)));
        expect(m).toContain('holding a newline or control character');
        expect(m).not.toContain(bad);
      }
    }
  });
});

describe('the child environment and [default] under --ecs-server', () => {
  it('drops every inherited MFA_EXEC_* and sets MFA_EXEC_PROFILE', () => {
    const env = buildChildEnv({
      parent: { MFA_EXEC_FILE_PASSPHRASE: 'p', MFA_EXEC_PROFILE: 'old', MFA_EXEC_X: 'x', HOME: '/h' },
      credentials: { accessKeyId: 'A', secretAccessKey: 'S' },
      profile: 'new',
    });
    expect(Object.keys(env).filter((k) => k.startsWith('MFA_EXEC_'))).toEqual(['MFA_EXEC_PROFILE']);
    expect(env.MFA_EXEC_PROFILE).toBe('new');
    expect(env.HOME).toBe('/h');
  });

  const files = (credentials: Record<string, string>, config: Record<string, string>): ParsedAwsFiles => ({
    configPath: '/c',
    credentialsPath: '/k',
    configLabel: '~/.aws/config',
    credentialsLabel: '~/.aws/credentials',
    profiles: { default: { ...config, ...credentials } },
    credentialsProfiles: { default: credentials },
    services: {},
    ssoSessions: {},
    ignoredSections: [],
  });
  const refusal = (f: ParsedAwsFiles) => {
    try {
      refuseDefaultCredentialSource(f);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };
  it('names the file, [default] and the key the SDKs would use first', () => {
    expect(refusal(files({ aws_access_key_id: 'AKIA' }, {}))).toMatch(
      /^~\/\.aws\/credentials \[default\] sets aws_access_key_id:/,
    );
    expect(refusal(files({}, { role_arn: 'arn', source_profile: 'x' }))).toMatch(
      /^~\/\.aws\/config \[default\] sets role_arn:/,
    );
    for (const key of [
      'credential_process',
      'web_identity_token_file',
      'sso_session',
      'sso_start_url',
      'credential_source',
    ])
      expect(refusal(files({}, { [key]: 'v' }))).toContain(`sets ${key}:`);
  });
  it('is a config error whose hint moves a key into the store, or another source into a profile of its own', () => {
    const error = (f: ParsedAwsFiles) => {
      try {
        refuseDefaultCredentialSource(f);
      } catch (e) {
        expect(isMfaExecError(e)).toBe(true);
        return e as MfaExecError;
      }
      throw new Error('expected a refusal');
    };
    const key = error(files({ aws_secret_access_key: 's' }, {}));
    expect(key.kind).toBe('config');
    expect(key.hint).toBe(
      'move the key into the store with `mfa-exec import default --scrub`, or run without --ecs-server',
    );
    expect(error(files({}, { credential_process: '/bin/x' })).hint).toBe(
      'remove credential_process from [default] (give it a profile of its own), or run without --ecs-server',
    );
  });
  it('lets a [default] with only non-credential settings, or none, through', () => {
    expect(refusal(files({}, { region: 'eu-west-1', output: 'json', cli_pager: '' }))).toBeUndefined();
    expect(refusal({ ...files({}, {}), profiles: {}, credentialsProfiles: {} })).toBeUndefined();
  });
});

describe('peerUid', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:A000 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 1 1',
    '   1: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 2 1',
    '   2: 0100007F:A001 0100007F:1F91 01 00000000:00000000 00:00000000 00000000    33        0 3 1',
  ].join('\n');
  const read = (f: string) => {
    if (f === '/proc/net/tcp') return table;
    throw new Error('ENOENT');
  };
  it("finds the uid of the client's socket (local = the peer's port, remote = ours)", () => {
    expect(peerUid(0xa000, 0x1f90, read)).toBe(1000);
    expect(peerUid(0xa001, 0x1f91, read)).toBe(33);
    expect(peerUid(0xa001, 0x1f90, read)).toBeUndefined();
  });
  it('reads v4-mapped sockets from tcp6, and the real table of this machine', () => {
    const v6 =
      '  sl  local_address remote_address st tx_queue rx_queue tr tm->when retrnsmt   uid\n' +
      '   0: 0000000000000000FFFF00000100007F:B000 0000000000000000FFFF00000100007F:1F90 01 0:0 0:0 0 4242 0 1\n';
    expect(peerUid(0xb000, 0x1f90, (f) => (f === '/proc/net/tcp6' ? v6 : ''))).toBe(4242);
    expect(peerUid(1, 2)).toBeUndefined();
  });
});

describe('AWS file edits through symlinks', () => {
  it('realTarget follows chains of absolute, relative and dangling links; writeFileAtomic writes the target and keeps its mode', () => {
    const d = tmp();
    writeFileSync(join(d, 'real'), 'old\n', { mode: 0o640 });
    symlinkSync('real', join(d, 'rel'));
    symlinkSync(join(d, 'rel'), join(d, 'abs'));
    symlinkSync('missing', join(d, 'dangling'));
    expect(realTarget(join(d, 'abs'))).toBe(join(d, 'real'));
    expect(realTarget(join(d, 'dangling'))).toBe(join(d, 'missing'));
    writeFileAtomic(join(d, 'abs'), 'new\n');
    expect(readFileSync(join(d, 'real'), 'utf8')).toBe('new\n');
    expect(statSync(join(d, 'real')).mode & 0o7777).toBe(0o640);
    writeFileAtomic(join(d, 'dangling'), 'created\n');
    expect(readFileSync(join(d, 'missing'), 'utf8')).toBe('created\n');
    symlinkSync('loop-b', join(d, 'loop-a'));
    symlinkSync('loop-a', join(d, 'loop-b'));
    expect(() => realTarget(join(d, 'loop-a'))).toThrow(/too many symbolic links/);
  });
});

describe('helpers', () => {
  it('get the environment without MFA_EXEC_* but MFA_EXEC_PROFILE, plus what is set on purpose', () => {
    expect(
      helperEnv(
        {
          PATH: '/bin',
          MFA_EXEC_FILE_PASSPHRASE: 'p',
          MFA_EXEC_BACKEND: 'file',
          MFA_EXEC_PROFILE: 'x',
          GONE: undefined,
        },
        { MFA_EXEC_MFA_SERIAL: 'arn' },
      ),
    ).toEqual({ PATH: '/bin', MFA_EXEC_PROFILE: 'x', MFA_EXEC_MFA_SERIAL: 'arn' });
  });

  it('without /proc, login gives the browser a 0600 page in a 0700 folder under XDG_RUNTIME_DIR, never the URL', async () => {
    const run = tmp();
    const bin = tmp();
    const log = join(bin, 'seen');
    // The opener stand-in records the path it got, the page's modes and whether the URL is in it.
    writeFileSync(
      join(bin, 'xdg-open'),
      `#!/bin/sh\nprintf '%s %s %s %s\\n' "$1" "$(stat -c %a "$1")" "$(stat -c %a "$(dirname "$1")")" "$(grep -c 'SigninToken=secret&amp;x' "$1")" > "${log}"\n`,
      { mode: 0o755 },
    );
    const logger = { debug: () => undefined, info: () => undefined };
    await openThroughFile('https://signin.example/federation?Action=login&SigninToken=secret&x', {
      env: { PATH: `${bin}:/usr/bin:/bin`, XDG_RUNTIME_DIR: run, MFA_EXEC_FILE_PASSPHRASE: 'p' },
      logger,
    });
    for (let i = 0; i < 100 && !readFileSafe(log); i++) await new Promise((r) => setTimeout(r, 50));
    const [path, fileMode, dirMode, hasUrl] = readFileSafe(log).trim().split(' ');
    expect(path!.startsWith(join(run, 'mfa-exec-login-'))).toBe(true);
    expect(path).not.toContain('SigninToken');
    expect([fileMode, dirMode, hasUrl]).toEqual(['600', '700', '1']);
  });
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// The warm path (src/cli/warm.ts) with a stand-in keychain read: what it serves, and every shape
// and environment it leaves to the whole CLI, with the same fresh cached credentials present.
// The real Secret Service read and dist/bin.js's use of it: integration/keychain-flow.test.ts.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAwsFiles } from '../../src/adapters/aws-files.js';
import { createFileStore } from '../../src/adapters/file-store.js';
import { COMMANDS } from '../../src/cli/main.js';
import { COMMAND_WORDS, runWarm, type ReadItem } from '../../src/cli/warm.js';
import { resolveChain } from '../../src/core/config.js';
import { planCredentials } from '../../src/core/plan.js';
import { encodeEntry } from '../../src/core/store-items.js';

const ROLE = 'arn:aws:iam::123456789012:role/Warm';
const CONFIG = `[profile base]\nregion = eu-west-1\n\n[profile p]\nrole_arn = ${ROLE}\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/warm\nregion = eu-west-1\n\n[profile list]\nrole_arn = ${ROLE}\nsource_profile = base\n`;

let dir: string;
let env: Record<string, string | undefined>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mfa-exec-warm-'));
  writeFileSync(join(dir, 'config'), CONFIG);
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The cached role credentials of `profile`, as the store keeps them, expiring in `minutes`. */
function entry(profile: string, minutes: number): string {
  const files = loadAwsFiles(env, dir);
  const plan = planCredentials(resolveChain(files, profile), {});
  return encodeEntry({
    kind: 'role',
    base: 'base',
    fingerprint: plan.fingerprint,
    credentials: {
      accessKeyId: 'ASIAWARMPATH00000001',
      secretAccessKey: 'warm/secret',
      sessionToken: 'warm-token',
      expiration: new Date(Date.now() + minutes * 60_000),
    },
  });
}

/** A keychain holding fresh role credentials for p and list; records what was read. */
function keychain(items: Record<string, string | null | undefined> = {}): ReadItem & { reads: string[] } {
  const held: Record<string, string | null | undefined> = { 'role:p': entry('p', 60), 'role:list': entry('list', 60) };
  Object.assign(held, items);
  const reads: string[] = [];
  return Object.assign(
    async (item: string) => {
      reads.push(item);
      return item in held ? held[item] : null;
    },
    { reads },
  );
}

const exitWith = (code: number) => [
  'sh',
  '-c',
  `[ "$AWS_ACCESS_KEY_ID" = ASIAWARMPATH00000001 ] && [ "$AWS_REGION" = eu-west-1 ] && exit ${code}`,
];

describe('runWarm: served', () => {
  it.each([
    ['PROFILE -- CMD', ['p', '--', ...exitWith(7)]],
    ['PROFILE CMD', ['p', ...exitWith(7)]],
    ['exec PROFILE -- CMD', ['exec', 'p', '--', ...exitWith(7)]],
    ['exec PROFILE CMD', ['exec', 'p', ...exitWith(7)]],
  ])("%s: the child's status, with the cached credentials and the profile's region", async (_, argv) => {
    const read = keychain();
    expect(await runWarm(argv, env, read)).toBe(7);
    expect(read.reads).toEqual(['role:p']);
  });

  it('a valid MFA_EXEC_PROMPT and MFA_EXEC_BACKEND=keychain change nothing on a warm run', async () => {
    const read = keychain();
    expect(
      await runWarm(
        ['p', '--', ...exitWith(3)],
        { ...env, MFA_EXEC_PROMPT: 'totp', MFA_EXEC_BACKEND: 'keychain' },
        read,
      ),
    ).toBe(3);
  });
});

describe('runWarm: a large config (~100 KB)', () => {
  const padding = Array.from(
    { length: 1200 },
    (_, i) => `\n[profile gen${i}]\nrole_arn = arn:aws:iam::123456789012:role/R${i}\nsource_profile = base\n`,
  ).join('');
  const regionIs = (region: string) => ['sh', '-c', `[ "$AWS_REGION" = ${region} ] && exit 5; exit 6`];

  it('is read through its section index once settled, and an edit of the same size is seen by the next run', async () => {
    const big = join(dir, 'big-config');
    writeFileSync(big, CONFIG + padding);
    const bigEnv = { ...env, AWS_CONFIG_FILE: big };
    const indexDir = join(dir, '.cache', 'mfa-exec', 'config-index');
    // Just written: not settled, no index yet.
    expect(await runWarm(['p', '--', ...regionIs('eu-west-1')], bigEnv, keychain())).toBe(5);
    expect(existsSync(indexDir)).toBe(false);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5_000 });
    try {
      expect(await runWarm(['p', '--', ...regionIs('eu-west-1')], bigEnv, keychain())).toBe(5);
      expect(readdirSync(indexDir)).toHaveLength(1);
      expect(await runWarm(['p', '--', ...regionIs('eu-west-1')], bigEnv, keychain())).toBe(5);
      // p's region changes, the file keeps its size: the index is for the old version, unused.
      writeFileSync(
        big,
        CONFIG.replace('region = eu-west-1\n\n[profile list]', 'region = eu-west-2\n\n[profile list]') + padding,
      );
      expect(await runWarm(['p', '--', ...regionIs('eu-west-2')], bigEnv, keychain())).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('runWarm: left to the whole CLI (undefined), with fresh credentials in the keychain', () => {
  it.each([
    ['a flag before the command', ['p', '--region', 'us-east-1', '--', 'true']],
    ['a flag before the profile', ['--debug', 'p', '--', 'true']],
    ['exec with a flag', ['exec', 'p', '-d', '2h', 'true']],
    ['no command (the subshell)', ['p']],
    ['no command after --', ['p', '--']],
    ['a command word, even with a profile of that name', ['list', '--', 'true']],
    ['help', ['help', 'exec']],
    ['a profile that is not in the config', ['nosuch', '--', 'true']],
    ['export in another format', ['export', 'p', '--format', 'env']],
    ['export without --format', ['export', 'p']],
    ['export with more words', ['export', 'p', '--format', 'json', '--region', 'x']],
    ['no words', []],
  ])('%s', async (_, argv) => {
    expect(await runWarm(argv, env, keychain())).toBeUndefined();
  });

  it.each([
    ['a nested run', { MFA_EXEC_PROFILE: 'other' }],
    ['an MFA_EXEC_BACKEND the parser refuses', { MFA_EXEC_BACKEND: 'cloud' }],
    ['an MFA_EXEC_PROMPT the parser refuses', { MFA_EXEC_PROMPT: 'carrier-pigeon' }],
  ])('%s', async (_, extra) => {
    const read = keychain();
    expect(await runWarm(['p', '--', 'true'], { ...env, ...extra }, read)).toBeUndefined();
    expect(read.reads).toEqual([]);
  });

  it.each([
    ['no item', () => null],
    ['a read that cannot tell (locked, no Secret Service, no answer in time)', () => undefined],
    ['credentials within 5 minutes of expiry', () => entry('p', 4)],
    ['credentials of another chain (another fingerprint)', () => entry('list', 60)],
    ['an item that is not a cached entry', () => 'not json'],
  ])('%s', async (_, held) => {
    const read = keychain({ 'role:p': held() });
    expect(await runWarm(['p', '--', 'true'], env, read)).toBeUndefined();
    expect(read.reads).toEqual(['role:p']);
  });

  it('a command that cannot start', async () => {
    expect(await runWarm(['p', '--', '/nonexistent/command'], env, keychain())).toBeUndefined();
  });
});

describe('runWarm on the file store', () => {
  const PASSPHRASE = 'warm test passphrase';
  // A store whose vault holds the key and, in `tier`, fresh role credentials for p. The vault is
  // sealed with the real scrypt (once, ~1 s), so a read given the passphrase would open it.
  async function fileStore(tier: 'runtime' | 'vault') {
    const store = join(dir, `store-${tier}`);
    const run = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/mfa-exec-warm-run-') : join(dir, 'run');
    mkdirSync(run, { recursive: true });
    chmodSync(run, 0o700);
    const writer = createFileStore({
      dir: store,
      getPassphrase: async () => PASSPHRASE,
      runtimeDir: tier === 'runtime' ? run : undefined,
    });
    await writer.set('key:base', '{"accessKeyId":"AKIAWARM","secretAccessKey":"x"}');
    await writer.set('role:p', entry('p', 60));
    const fileEnv = {
      ...env,
      MFA_EXEC_BACKEND: 'file',
      MFA_EXEC_FILE_DIR: store,
      MFA_EXEC_FILE_PASSPHRASE: PASSPHRASE,
      XDG_RUNTIME_DIR: tier === 'runtime' ? run : undefined,
    };
    return { fileEnv, cleanup: () => rmSync(run, { recursive: true, force: true }) };
  }

  it('serves a warm run from the runtime-key tier, with no passphrase', async () => {
    const s = await fileStore('runtime');
    try {
      expect(await runWarm(['p', '--', ...exitWith(5)], s.fileEnv)).toBe(5);
    } finally {
      s.cleanup();
    }
  });

  it('leaves to the whole CLI a read that needs the passphrase (no runtime folder), even with it set', async () => {
    const s = await fileStore('vault');
    try {
      // Fresh credentials in the vault and MFA_EXEC_FILE_PASSPHRASE set: only the whole CLI uses it.
      expect(await runWarm(['p', '--', 'true'], s.fileEnv)).toBeUndefined();
    } finally {
      s.cleanup();
    }
  }, 20_000);
});

describe('COMMAND_WORDS', () => {
  it("is the CLI's commands and help", () => {
    expect([...COMMAND_WORDS].sort()).toEqual([...Object.keys(COMMANDS), 'help'].sort());
  });
});

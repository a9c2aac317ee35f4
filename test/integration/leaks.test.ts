// No secret leaks: every command of the built CLI runs with --debug against the local STS;
// all its stdout (except export's, which is its job) and stderr, every file under the
// temporary HOME, store and run folders, and the command lines of the child, of mfa_process
// and of mfa-exec itself are searched for the secret key, the session tokens and secret
// keys issued, the MFA codes, the TOTP seed and the passphrase: none may be found.

import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntry } from '../../src/core/store-items.js';
import type { RunResult, Sandbox } from '../support/cli.js';
import { filesUnder } from '../support/files.js';
import type { FakeSts } from '../support/fake-sts.js';
import { fileStoreOf, ini, roleProfile, stsSandbox, type StsSandbox } from '../support/fixture.js';

const A = '505050505050';
const KEY = 'AKIALEAKTESTKEY00001';
const SECRET = 'lEaKtEsT/K7MDENG/bPxRfiCYEXAMPLEKEY00001';
const KEY2 = 'AKIALEAKTESTKEY00002';
const SECRET2 = 'lEaKtEsT/K7MDENG/bPxRfiCYEXAMPLEKEY00002';
const TOTP = 'NRSWC2ZANRSWC2ZANRSWC2ZANRSWC2ZA';
const TOTP2 = 'NRSWC2ZANRSWC2ZBNRSWC2ZANRSWC2ZB';
const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ';
const MFA = `arn:aws:iam::${A}:mfa/leak`;
const MFA2 = `arn:aws:iam::${A}:mfa/leak2`;
const ROLE = `arn:aws:iam::${A}:role/leak`;

let env: StsSandbox;
let sts: FakeSts;
let box: Sandbox;
let side: string; // outside the sandbox: what the mfa_process stand-in records
const outputs: { what: string; text: string }[] = [];
const exported: string[] = [];
const ran: string[] = [];

/** Run with --debug; record stdout (unless it is export's) and stderr for the search. */
async function run(
  args: string[],
  opts: { env?: Record<string, string>; input?: string; exportOut?: boolean } = {},
): Promise<RunResult> {
  const dash = args.includes('--') ? args.indexOf('--') : args.length;
  const r = await box.run([...args.slice(0, dash), '--debug', ...args.slice(dash)], {
    env: opts.env,
    input: opts.input,
  });
  outputs.push({ what: `${args.join(' ')} (stderr)`, text: r.stderr });
  ran.push(`${args.join(' ')} → ${r.code}`);
  if (opts.exportOut) exported.push(r.stdout);
  else outputs.push({ what: `${args.join(' ')} (stdout)`, text: r.stdout });
  return r;
}

beforeAll(async () => {
  side = await mkdtemp(join(tmpdir(), 'mfa-exec-leaks-'));
  // The mfa_process stand-in: records the code it gives and the command lines of itself and its parents.
  const mfaProcess = join(side, 'mfa-code');
  writeFileSync(
    mfaProcess,
    `#!/bin/sh
case "$MFA_EXEC_MFA_SERIAL" in *leak2) code=$(totp-code TEST_TOTP_SECRET2) ;; *) code=$(totp-code) ;; esac
printf '%s\\n' "$code" >> "${join(side, 'codes')}"
for pid in $$ $PPID $(cut -d' ' -f4 /proc/$PPID/stat); do tr '\\0' ' ' < /proc/$pid/cmdline >> "${join(side, 'cmdlines')}"; echo >> "${join(side, 'cmdlines')}"; done
echo "$code"
`,
    { mode: 0o755 },
  );
  // No key added here: `add` is one of the commands the test runs and searches.
  env = await stsSandbox({
    users: [
      { userName: 'leak', accountId: A, accessKeyId: KEY, secretAccessKey: SECRET, mfaSerial: MFA, totpSecret: TOTP },
      // leak2's own device serves --no-session, so it never waits for the next code of `leak`.
      {
        userName: 'leak2',
        accountId: A,
        accessKeyId: KEY2,
        secretAccessKey: SECRET2,
        mfaSerial: MFA2,
        totpSecret: TOTP2,
      },
    ],
    roles: [{ roleArn: ROLE, requireMfa: true }],
    config: ini({
      base: { region: 'eu-west-1' },
      test: roleProfile({ role: ROLE, source: 'base', mfa: MFA, process: mfaProcess, region: 'eu-west-1' }),
      direct: roleProfile({ role: ROLE, source: 'imported', mfa: MFA2, process: mfaProcess }),
      imported: { region: 'eu-west-1' },
    }),
    keys: {},
    env: { TEST_TOTP_SECRET2: TOTP2 },
  });
  ({ sts, box } = env);
  box.env.AWS_ENDPOINT_URL_IAM = sts.url;
  box.env.MFA_EXEC_FEDERATION_URL = `${sts.url}/federation`;
  await box.writeCredentials(`[imported]\naws_access_key_id = ${KEY2}\naws_secret_access_key = ${SECRET2}\n`);
});
afterAll(async () => {
  await env.cleanup();
  await rm(side, { recursive: true, force: true });
});

describe('no secret leaks', () => {
  it('runs every command with --debug, then finds no secret anywhere but in export stdout', async () => {
    expect(
      (await run(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET } })).code,
    ).toBe(0);
    expect((await run(['import', 'imported', '--scrub'])).code).toBe(0);
    const json = await run(['export', 'test', '--format', 'json'], { exportOut: true });
    expect(json.code).toBe(0);
    for (const format of ['env', 'shell', 'ini'])
      expect((await run(['export', 'test', '--format', format], { exportOut: true })).code).toBe(0);
    // The child prints its own command line and mfa-exec's.
    const child = await run([
      'test',
      '--',
      'sh',
      '-c',
      'tr "\\0" " " < /proc/$$/cmdline; echo; tr "\\0" " " < /proc/$PPID/cmdline; echo',
    ]);
    expect(child.code).toBe(0);
    expect(child.stdout).toContain('dist/bin.js test --debug -- sh -c');
    expect(child.stderr).toContain('mfa-exec: debug: ');
    // A second code (its own device: --no-session needs a fresh code), the long-lived key straight to AssumeRole.
    const direct = await run(['exec', 'direct', '--no-session', '--', 'true']);
    expect(direct.stderr).not.toContain('waiting');
    expect(direct.code).toBe(0);
    expect((await run(['list'])).code).toBe(0);
    expect((await run(['list', '--json'])).code).toBe(0);

    // Commands that may exist in this build: each runs once with --debug, whatever it answers.
    const help = (await box.run(['--help'])).stdout;
    const commands = [...help.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    const known: Record<string, { args: string[]; input?: string }[]> = {
      totp: [{ args: ['totp', 'add', MFA, '--stdin'], input: `${SEED}\n` }, { args: ['totp', 'remove', MFA] }],
      doctor: [{ args: ['doctor', 'test'] }],
      login: [{ args: ['login', 'test', '--stdout'] }],
      rotate: [{ args: ['rotate', 'test'] }],
      setup: [{ args: ['setup', '--user', 'u', '--role', 'r', '--dry-run'] }],
      completion: [{ args: ['completion', 'bash'] }],
    };
    const covered = new Set(['exec', 'add', 'import', 'export', 'list', 'clear', 'remove']);
    for (const c of commands.filter((c) => !covered.has(c))) {
      for (const { args, input } of known[c] ?? [{ args: [c, 'test'] }]) await run(args, { input });
    }
    expect((await run(['clear', 'test'])).code).toBe(0);
    // The MFA session and role credentials in the store, read before they are cleared.
    const store = fileStoreOf(box);
    const cachedSecrets: string[] = [];
    for (const name of await store.list()) {
      const entry = decodeEntry(await store.get(name));
      if (entry) cachedSecrets.push(entry.credentials.secretAccessKey, entry.credentials.sessionToken!);
    }
    expect((await run(['clear'])).code).toBe(0);
    expect((await run(['remove', 'base', '--force'])).code).toBe(0);

    const role = JSON.parse(json.stdout) as { SecretAccessKey: string; SessionToken: string };
    const codes = readFileSync(join(side, 'codes'), 'utf8').split('\n').filter(Boolean);
    expect(codes.length).toBeGreaterThanOrEqual(2);
    const secrets: [string, string][] = [
      ['long-lived secret key', SECRET],
      ['imported secret key', SECRET2],
      ['role secret key', role.SecretAccessKey],
      ['role session token', role.SessionToken],
      ...cachedSecrets.map((s, i): [string, string] => [`cached credential ${i}`, s]),
      ...codes.map((c): [string, string] => ['MFA code', c]),
      ['TOTP seed', SEED],
      ['TOTP seed of the --no-session device', TOTP2],
      ['file store passphrase', box.env.MFA_EXEC_FILE_PASSPHRASE!],
    ];
    // What export printed is the one place these may be (its job): prove the search would find them.
    expect(exported.join('')).toContain(role.SessionToken);

    const places: { what: string; text: string }[] = [
      ...outputs,
      ...filesUnder(box.dir).map((f) => ({ what: f, text: readFileSync(f, 'latin1') })),
      { what: 'command lines of mfa_process and its parents', text: readFileSync(join(side, 'cmdlines'), 'utf8') },
    ];
    expect(places.length).toBeGreaterThan(20);
    console.log(`searched ${places.length} outputs, files and command lines after: ${ran.join('; ')}`);
    for (const { what, text } of places) {
      for (const [name, secret] of secrets) expect(text.includes(secret), `${name} found in ${what}`).toBe(false);
      // Long-lived key ids appear by their last 4 characters only.
      for (const id of [KEY, KEY2]) expect(text.includes(id), `${id} in ${what}`).toBe(false);
    }
    const all = outputs.map((o) => o.text).join('\n');
    expect(all).toContain('…0001');
    expect(all).toContain('…0002');
  });
});

// The crash-point checker itself: it must catch a non-atomic rewrite (a file written in
// place is found half-written at some point) and pass an atomic one (temp file, fsync, rename).

import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashAtEveryPoint, plainSecretsIn, type FaultRun } from '../support/crash-points.js';

const OLD = 'aws_access_key_id = AKIAOLD\naws_secret_access_key = SECRETSECRET\n'.repeat(20);
const NEW = '# keys moved to the store\n'.repeat(20);
// Two ways to replace a file: in place (not crash-safe), and the way atomic-file.ts does it.
const WRITER = `
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
const [how, target, text] = process.argv.slice(2);
if (how === 'in-place') writeFileSync(target, text);
else {
  const tmp = target + '.1234.tmp';
  const fd = openSync(tmp, 'wx', 0o600);
  writeSync(fd, text);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, target);
  const d = openSync(dirname(target), 'r');
  fsyncSync(d);
  closeSync(d);
}
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mfa-exec-crash-checker-'));
  writeFileSync(join(dir, 'writer.mjs'), WRITER);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function runWriter(how: string, env: Record<string, string>): Promise<FaultRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, 'writer.mjs'), how, join(dir, 'files', 'credentials'), NEW], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const scenario = (how: string) => ({
  reset: async () => {
    await rm(join(dir, 'files'), { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'files')));
    writeFileSync(join(dir, 'files', 'credentials'), OLD);
  },
  run: (env: Record<string, string>) => runWriter(how, env),
  check: () => {
    const text = readFileSync(join(dir, 'files', 'credentials'), 'utf8');
    expect([OLD, NEW], 'the file is the old or the new text').toContain(text);
    const leaks = plainSecretsIn([join(dir, 'files')], ['SECRETSECRET'], [join(dir, 'files', 'credentials')]);
    expect(leaks, 'a key in plain text in a temp file').toEqual([]);
  },
});

describe('crashAtEveryPoint', () => {
  it('catches a rewrite in place: killed mid-write, the file is half-written', async () => {
    const { ops, failures } = await crashAtEveryPoint(scenario('in-place'));
    expect(ops).toEqual(['write']);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.error).toContain('the file is the old or the new text');
  });

  it('passes the atomic rewrite at every point: write, fsync, rename, fsync of the folder', async () => {
    const { ops, failures } = await crashAtEveryPoint(scenario('atomic'));
    expect(ops).toEqual(['write', 'fsync', 'rename', 'fsync']);
    expect(failures).toEqual([]);
    expect(readdirSync(join(dir, 'files')).length).toBeGreaterThan(0);
  });

  it('catches a key in plain text left in a temp file', async () => {
    const { failures } = await crashAtEveryPoint({
      ...scenario('atomic'),
      // as if the writer had left a copy of the old text (with the keys) in a temp file
      check: () => {
        writeFileSync(join(dir, 'files', '.credentials.tmp'), OLD);
        expect(plainSecretsIn([join(dir, 'files')], ['SECRETSECRET'], [join(dir, 'files', 'credentials')])).toEqual([]);
      },
    });
    expect(failures.length).toBe(4);
  });
});

// A private Secret Service for tests: its own D-Bus session bus and its own
// gnome-keyring-daemon in a temporary folder, so tests never touch the
// developer's keyring. Keyring work happens in child processes given `env`.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INSTALL = 'apt-get install gnome-keyring dbus';

/** A running private keyring; `env` is what a child needs to reach it. */
export interface PrivateKeyring {
  env: Record<string, string>;
  dir: string;
  stop(): Promise<void>;
}

/** Whether the tools a private keyring needs are on PATH, and if not, why (one line naming the packages). */
export function keyringAvailable(): { ok: true } | { ok: false; reason: string } {
  const missing = ['gnome-keyring-daemon', 'dbus-daemon', 'dbus-run-session', 'dbus-send'].filter((c) => !onPath(c));
  if (missing.length === 0) return { ok: true };
  return { ok: false, reason: `${missing.join(', ')} not found: gnome-keyring not installed (${INSTALL})` };
}

/**
 * Call first in a test that needs the keyring: returns when it is available;
 * otherwise throws under CI=true (CI must not silently skip), else skips the
 * test via `ctx.skip` with the one-line reason naming the package to install.
 */
export function requireKeyringOrSkip(ctx: { skip(note?: string): never }): void {
  const a = keyringAvailable();
  if (a.ok) return;
  if (process.env.CI === 'true') throw new Error(`keyring tests cannot run under CI=true: ${a.reason}`);
  ctx.skip(a.reason);
}

/** Start a private session bus and an unlocked gnome-keyring (secrets component) in a new temp folder. */
export async function startPrivateKeyring(): Promise<PrivateKeyring> {
  const dir = await mkdtemp(join(tmpdir(), 'mfa-exec-keyring-'));
  const env: Record<string, string> = {
    HOME: join(dir, 'home'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  for (const [k, path] of Object.entries(env))
    await mkdir(path, { recursive: true, mode: k === 'XDG_RUNTIME_DIR' ? 0o700 : 0o755 });
  let busPid: number | undefined;
  let keyring: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (keyring && keyring.exitCode === null && keyring.signalCode === null) {
      const exited = new Promise((resolve) => keyring?.once('exit', resolve));
      keyring.kill('SIGTERM');
      keyring.kill('SIGCONT'); // a stopped daemon handles SIGTERM only once continued
      await exited;
    }
    if (busPid !== undefined) {
      try {
        process.kill(busPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const bus = await run(
      'dbus-daemon',
      [
        '--session',
        '--fork',
        '--nopidfile',
        '--print-address=1',
        '--print-pid=1',
        `--address=unix:path=${join(dir, 'bus')}`,
      ],
      { env: { ...process.env, ...env } },
    );
    const [address = '', pid = ''] = bus.stdout.trim().split('\n');
    busPid = Number(pid);
    env.DBUS_SESSION_BUS_ADDRESS = address.trim();

    const daemonEnv = { ...process.env, ...env };
    keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
      env: daemonEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let printed = '';
    let stderr = '';
    keyring.stdout?.on('data', (d: Buffer) => (printed += d.toString()));
    keyring.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    // Not a secret: a throwaway password for a keyring deleted on stop().
    keyring.stdin?.end('mfa-exec-test');
    await waitForSecretService(daemonEnv, keyring, () => stderr);
    for (const line of printed.split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2];
    }
    return { env, dir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

// Polls the bus until org.freedesktop.secrets has an owner (bounded to ~10 s).
async function waitForSecretService(env: NodeJS.ProcessEnv, daemon: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null)
      throw new Error(`gnome-keyring-daemon exited with ${daemon.exitCode}: ${stderr().trim()}`);
    const { stdout } = await run(
      'dbus-send',
      [
        '--session',
        '--dest=org.freedesktop.DBus',
        '--print-reply',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.freedesktop.secrets',
      ],
      { env },
    );
    if (stdout.includes('boolean true')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gnome-keyring-daemon did not register org.freedesktop.secrets within 10 s: ${stderr().trim()}`);
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, cmd)));
}

// `login`: the AWS sign-in federation endpoint (getSigninToken, then the login URL),
// GetFederationToken for profiles without a role, and handing the URL to the browser.
// The sign-in URL is a bearer secret: it is never logged, never put in a child's argv.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MfaExecError } from '../core/errors.js';
import type { Credentials, Logger } from '../core/types.js';
import { helperEnv } from './helpers.js';
import { fromSdk, type StsSettings } from './sts.js';
import { moduleExports } from './module-exports.js';

/** The AWS partitions with their own sign-in service. */
export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** Each partition's federation endpoint and console. */
export const PARTITION_ENDPOINTS: Record<Partition, { federation: string; console: string }> = {
  aws: { federation: 'https://signin.aws.amazon.com/federation', console: 'https://console.aws.amazon.com/' },
  'aws-cn': { federation: 'https://signin.amazonaws.cn/federation', console: 'https://console.amazonaws.cn/' },
  'aws-us-gov': {
    federation: 'https://signin.amazonaws-us-gov.com/federation',
    console: 'https://console.amazonaws-us-gov.com/',
  },
};

/** The partition of the first ARN given (role, then MFA device), else of the region (cn-…, us-gov-…), else `aws`. */
export function partitionOf(arns: (string | undefined)[], region: string | undefined): Partition {
  for (const arn of arns) {
    const p = arn?.match(/^arn:(aws[a-z-]*):/)?.[1];
    if (p === 'aws' || p === 'aws-cn' || p === 'aws-us-gov') return p;
  }
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The console page to land on: the partition's console + `path`, else its home page in `region`. */
export function consoleDestination(partition: Partition, path: string | undefined, region: string | undefined): string {
  const base = PARTITION_ENDPOINTS[partition].console;
  if (path !== undefined) return base + path.replace(/^\/+/, '');
  return region ? `${base}console/home?region=${encodeURIComponent(region)}` : base;
}

/** Exchange temporary credentials for a sign-in token at `federationUrl` (Action=getSigninToken). */
export async function getSigninToken(federationUrl: string, credentials: Credentials, logger: Logger): Promise<string> {
  const url = new URL(federationUrl);
  const where = `${url.origin}${url.pathname}`;
  url.searchParams.set('Action', 'getSigninToken');
  url.searchParams.set(
    'Session',
    JSON.stringify({
      sessionId: credentials.accessKeyId,
      sessionKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    }),
  );
  logger.debug(`federation: getSigninToken at ${where}`);
  const fail = (what: string) =>
    new MfaExecError('sts', `${what} (sign-in federation endpoint ${where})`, {
      hint: 'check the network, or MFA_EXEC_FEDERATION_URL if set; run again in a minute',
    });
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000), redirect: 'error' });
  } catch (e) {
    // No `cause`: the error may carry the request URL, which holds the credentials.
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? cause?.message ?? (e as Error).name;
    throw fail(`cannot reach the AWS sign-in service: ${code}`);
  }
  const body = await res.text();
  if (!res.ok) throw fail(`the AWS sign-in service refused the credentials with HTTP ${res.status}`);
  let token: unknown;
  try {
    token = (JSON.parse(body) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '')
    throw fail('the AWS sign-in service did not answer with a sign-in token');
  return token;
}

/** The console sign-in URL (Action=login) for `signinToken`, landing on `destination`. */
export function loginUrl(federationUrl: string, signinToken: string, destination: string): string {
  const url = new URL(federationUrl);
  url.searchParams.set('Action', 'login');
  url.searchParams.set('Issuer', 'mfa-exec');
  url.searchParams.set('Destination', destination);
  url.searchParams.set('SigninToken', signinToken);
  return url.toString();
}

/**
 * sts:GetFederationToken with a long-lived key (AWS refuses it with temporary credentials and
 * takes no MFA code). The federated user may do what the IAM user may: the policy passed
 * allows everything, and AWS intersects it with the user's own policies.
 */
export async function getFederationToken(
  settings: StsSettings,
  credentials: Credentials,
  name: string,
  durationSeconds: number,
): Promise<Credentials> {
  const sdk = moduleExports(await import('@aws-sdk/client-sts'), 'STSClient');
  const client = new sdk.STSClient({
    region: settings.region ?? 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 3,
  });
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  let out: import('@aws-sdk/client-sts').GetFederationTokenCommandOutput;
  try {
    out = await client.send(
      new sdk.GetFederationTokenCommand({ Name: name, DurationSeconds: durationSeconds, Policy: policy }),
    );
  } catch (e) {
    const err = e as { name?: string; message?: string };
    throw new MfaExecError(
      'sts',
      `GetFederationToken failed: ${err.name ?? 'Error'}: ${(err.message ?? '').split('\n')[0]}`,
      {
        hint: 'the IAM user needs sts:GetFederationToken; or give the profile a role_arn to sign in as the role',
      },
    );
  }
  // Checked as every STS answer is: complete, no control characters, expiring in the future.
  return fromSdk(out.Credentials, 'GetFederationToken', settings);
}

/**
 * The command that opens a URL: `$BROWSER` when set (its first entry of a `:`-separated list,
 * split into words, no shell), else the default browser opener of `platform`.
 */
export function browserCommand(
  platform: NodeJS.Platform,
  env: Record<string, string | undefined> = {},
): { command: string; args: string[] } {
  const chosen = env.BROWSER?.split(':')[0]?.trim().split(/\s+/).filter(Boolean);
  if (chosen?.length) return { command: chosen[0]!, args: chosen.slice(1) };
  if (platform === 'darwin') return { command: 'open', args: [] };
  // The loopback URL has no characters cmd.exe would treat specially.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start'] };
  return { command: 'xdg-open', args: [] };
}

/**
 * The uid owning the local TCP socket connected from 127.0.0.1:`peerPort` to 127.0.0.1:`ourPort`,
 * read from the kernel's socket tables (/proc/net/tcp, tcp6 for v4-mapped sockets); undefined
 * when it cannot be told (no /proc, socket already gone).
 */
export function peerUid(
  peerPort: number,
  ourPort: number,
  read = (f: string) => readFileSync(f, 'utf8'),
): number | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  // 127.0.0.1 as the kernel prints it (little-endian on x86 and arm), in v4 and v4-mapped v6 form.
  const locals = [`0100007F:${hex(peerPort)}`, `0000000000000000FFFF00000100007F:${hex(peerPort)}`];
  const remotes = [`0100007F:${hex(ourPort)}`, `0000000000000000FFFF00000100007F:${hex(ourPort)}`];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = read(table);
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 7 && locals.includes(f[1]!) && remotes.includes(f[2]!)) return Number(f[7]);
    }
  }
  return undefined;
}

/** True where peerUid can work (Linux's /proc socket tables are readable). */
function canCheckPeers(): boolean {
  try {
    readFileSync('/proc/net/tcp', 'utf8');
    return true;
  } catch {
    return false;
  }
}

/**
 * Open `secretUrl` in the default browser without putting it in the opener's argv (where
 * other local users could read it). Where the kernel tells who is connecting (Linux), the
 * browser is sent to a one-time loopback address that redirects to it once, for connections
 * of this user only: another user who reads the address from /proc/PID/cmdline gets 403.
 * Elsewhere it gets a file only this user can read (0600 in a 0700 folder), removed after 60 s.
 * Resolves after the visit; rejects when the opener cannot run or no browser comes within `timeoutMs`.
 */
export async function openInBrowser(
  secretUrl: string,
  opts: { env: Record<string, string | undefined>; logger: Logger; timeoutMs?: number },
): Promise<void> {
  if (!canCheckPeers()) return openThroughFile(secretUrl, opts);
  const path = `/${randomBytes(24).toString('base64url')}`;
  const uid = process.getuid?.();
  let visited!: () => void;
  const done = new Promise<void>((resolve) => (visited = resolve));
  let served = false;
  const server = createServer((req, res) => {
    const { port } = server.address() as AddressInfo;
    const ok =
      !served &&
      req.method === 'GET' &&
      req.url === path &&
      (req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`);
    // Only the user's own processes: the uid of the connecting socket, from the kernel.
    const from = peerUid(req.socket.remotePort ?? 0, port);
    const mine = uid === undefined || from === uid;
    opts.logger.debug(
      `login: browser request ${req.method} ${ok ? '(the one-time address)' : 'elsewhere'} from uid ${from ?? 'unknown'}: ${ok && mine ? 302 : ok ? 403 : 404}`,
    );
    if (!ok) {
      res.writeHead(404).end();
      return;
    }
    if (!mine) {
      res.writeHead(403).end();
      return;
    }
    served = true;
    res.once('finish', visited);
    res.writeHead(302, { location: secretUrl, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  try {
    await launch(local, opts);
    opts.logger.debug('login: waiting for the browser');
    await waitFor(done, opts.timeoutMs);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** The file way (no /proc; exported for its test): an HTML page that forwards to `secretUrl`, readable by this user alone, removed after 60 s. */
export async function openThroughFile(
  secretUrl: string,
  opts: { env: Record<string, string | undefined>; logger: Logger },
): Promise<void> {
  // Never in the home folder (backups, sync): the per-user runtime folder, else the temp folder.
  const dir = mkdtempSync(join(opts.env.XDG_RUNTIME_DIR || tmpdir(), 'mfa-exec-login-'));
  chmodSync(dir, 0o700);
  const file = join(dir, 'signin.html');
  const html = `<!doctype html><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${secretUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"><title>mfa-exec</title>`;
  writeFileSync(file, html, { mode: 0o600, flag: 'wx' });
  // A remover of its own: the browser reads the file after we have returned.
  spawn('/bin/sh', ['-c', 'sleep 60; rm -rf "$0"', dir], {
    stdio: 'ignore',
    detached: true,
    env: helperEnv(opts.env),
  }).unref();
  try {
    await launch(file, opts);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Run the platform's opener on `target` (a loopback address or a file path, never the secret URL). */
function launch(target: string, opts: { env: Record<string, string | undefined>; logger: Logger }): Promise<void> {
  const { command, args } = browserCommand(process.platform, opts.env);
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, [...args, target], { env: helperEnv(opts.env), stdio: 'ignore', detached: true });
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new MfaExecError(
          'child',
          `cannot open a browser: ${command} ${e.code === 'ENOENT' ? 'not found' : `failed (${e.code ?? e.message})`}`,
          { hint: 'use `mfa-exec login PROFILE --stdout` and open the URL yourself' },
        ),
      ),
    );
    child.once('spawn', () => {
      child.unref();
      opts.logger.debug(`login: ran ${command}`);
      resolve();
    });
  });
}

/** `done`, or a 'child' error when it has not settled within `timeoutMs` (default 120 s). */
async function waitFor(done: Promise<void>, timeoutMs = 120_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new MfaExecError('child', `no browser opened the sign-in page within ${Math.round(timeoutMs / 1000)}s`, {
                hint: 'use `mfa-exec login PROFILE --stdout` and open the URL yourself',
              }),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

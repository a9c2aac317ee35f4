// `login`: the AWS sign-in federation endpoint (getSigninToken, then the login URL),
// GetFederationToken for profiles without a role, and handing the URL to the browser.
// The sign-in URL is a bearer secret: it is never logged, never put in a child's argv.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MfaExecError } from '../core/errors.js';
import type { Credentials, Logger } from '../core/types.js';
import { helperEnv } from './helpers.js';
import type { StsSettings } from './sts.js';

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
  const mod = await import('@aws-sdk/client-sts');
  const sdk = (mod as { STSClient?: unknown }).STSClient ? mod : (mod as unknown as { default: typeof mod }).default;
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
  try {
    const out = await client.send(
      new sdk.GetFederationTokenCommand({ Name: name, DurationSeconds: durationSeconds, Policy: policy }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('STS answered without credentials');
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
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
}

/** The command that opens a URL in the default browser on `platform`. */
export function browserCommand(platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  // The loopback URL has no characters cmd.exe would treat specially.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start'] };
  return { command: 'xdg-open', args: [] };
}

/**
 * Open `secretUrl` in the default browser without putting it in the opener's argv (where
 * other local users could read it): the browser is sent to a one-time loopback address
 * that redirects to it once. Resolves after that visit; rejects when the opener cannot
 * run or no browser comes within `timeoutMs`.
 */
export async function openInBrowser(
  secretUrl: string,
  opts: { env: Record<string, string | undefined>; logger: Logger; timeoutMs?: number },
): Promise<void> {
  const path = `/${randomBytes(24).toString('base64url')}`;
  let visited!: () => void;
  const done = new Promise<void>((resolve) => (visited = resolve));
  const server = createServer((req, res) => {
    const { port } = server.address() as AddressInfo;
    const ok =
      req.method === 'GET' &&
      req.url === path &&
      (req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`);
    opts.logger.debug(
      `login: browser request ${req.method} ${ok ? '(the one-time address)' : 'elsewhere'}: ${ok ? 302 : 404}`,
    );
    if (!ok) {
      res.writeHead(404).end();
      return;
    }
    res.once('finish', visited);
    res.writeHead(302, { location: secretUrl, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  const { command, args } = browserCommand(process.platform);
  const env = helperEnv(opts.env);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, [...args, local], { env, stdio: 'ignore', detached: true });
      child.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new MfaExecError(
            'child',
            `cannot open a browser: ${command} ${e.code === 'ENOENT' ? 'not found' : `failed (${e.code ?? e.message})`}`,
            {
              hint: 'use `mfa-exec login PROFILE --stdout` and open the URL yourself',
            },
          ),
        ),
      );
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
    opts.logger.debug(`login: ran ${command}; waiting for the browser`);
    const seconds = Math.round((opts.timeoutMs ?? 120_000) / 1000);
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new MfaExecError('child', `no browser opened the sign-in page within ${seconds}s`, {
                hint: 'use `mfa-exec login PROFILE --stdout` and open the URL yourself',
              }),
            ),
          opts.timeoutMs ?? 120_000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}

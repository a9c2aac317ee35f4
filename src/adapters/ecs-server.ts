// `exec --ecs-server`: the container-credentials endpoint the AWS SDKs and CLIs read
// through AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN.
// Credentials are answered from memory and refreshed in the background before they
// expire, so a client never waits for STS (or for a person typing an MFA code).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isoUtc } from '../core/duration.js';
import { MfaExecError } from '../core/errors.js';
import { REFRESH_WINDOW_SECONDS } from '../core/providers/cached.js';
import { showKey } from '../core/redact.js';
import type { Credentials, Logger } from '../core/types.js';

/** The one path credentials are served on. */
export const CREDENTIALS_PATH = '/role-credentials';
/** Credentials without an expiry (a credential_process may give none) are read again this often. */
const NO_EXPIRY_REFRESH_MS = 15 * 60_000;
/** The longest wait between two failed refreshes. */
const MAX_BACKOFF_MS = 60_000;

/** A running credentials server. */
export interface EcsServer {
  /** http://127.0.0.1:<port>/role-credentials, for AWS_CONTAINER_CREDENTIALS_FULL_URI */
  url: string;
  /** The bearer token a client must send in `Authorization` (43 base64url characters, 32 random bytes). */
  token: string;
  /** Stop refreshing, close every connection and the port. */
  close(): Promise<void>;
}

/**
 * How long before expiry a refresh starts: just inside core's refresh window (so the flow
 * really fetches new credentials rather than returning the cached ones), and never more
 * than a third of the remaining lifetime (so seconds-long credentials refresh too).
 */
export function refreshLeadMs(remainingMs: number): number {
  return Math.min(REFRESH_WINDOW_SECONDS * 1000 - 10_000, remainingMs / 3);
}

/**
 * Resolve credentials once with `resolve` (failures reject here, before anything listens),
 * then serve them on a random port of 127.0.0.1 and call `resolve` again ahead of expiry.
 */
export async function startEcsServer(opts: {
  resolve: () => Promise<Credentials>;
  logger: Logger;
}): Promise<EcsServer> {
  const { logger } = opts;
  let current = await opts.resolve();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const token = randomBytes(32).toString('base64url');
  const tokenDigest = sha256(token);
  const expiryOf = (c: Credentials): number => c.expiration?.getTime() ?? Date.now() + NO_EXPIRY_REFRESH_MS;

  const schedule = (delayMs: number): void => {
    if (closed) return;
    timer = setTimeout(() => void refresh(), Math.max(0, delayMs));
  };
  const scheduleFor = (c: Credentials): void => {
    const remaining = expiryOf(c) - Date.now();
    const delay = remaining - refreshLeadMs(remaining);
    logger.debug(
      `ecs-server: credentials (key ${showKey(c.accessKeyId)}) valid for ${Math.round(remaining / 1000)}s; refresh in ${Math.round(delay / 1000)}s`,
    );
    schedule(delay);
  };
  // Failed refreshes back off (2 s, 4 s, … 60 s) and each distinct reason is told once: a prompt
  // that cannot be shown (the command has the terminal) must not flood the user's shell.
  let failures = 0;
  let told = '';
  const refresh = async (): Promise<void> => {
    const before = current;
    let next: Credentials;
    try {
      next = await opts.resolve();
    } catch (e) {
      if (closed) return;
      failures += 1;
      const retry = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures);
      const why = e instanceof Error ? e.message : String(e);
      const hint = e instanceof MfaExecError && e.hint ? ` (${e.hint})` : '';
      if (why !== told) {
        told = why;
        logger.info(
          `could not refresh the credentials served to the command: ${why}${hint}; retrying with back-off, this is said once`,
        );
      } else {
        logger.debug(`ecs-server: refresh failed again (${why}); next try in ${Math.round(retry / 1000)}s`);
      }
      schedule(retry);
      return;
    }
    current = next;
    if (failures > 0) {
      if (told) logger.info('the credentials served to the command are fresh again');
      failures = 0;
      told = '';
    }
    // Another mfa-exec may have cached newer credentials; the same ones again mean "not stale yet": look again soon.
    if (current.accessKeyId === before.accessKeyId && expiryOf(current) === expiryOf(before)) schedule(5000);
    else scheduleFor(current);
  };

  const server = createServer((req, res) => {
    const status = answer(req, res);
    logger.debug(`ecs-server: ${req.method} ${(req.url ?? '').split('?')[0]} ${status}`);
  });
  const answer = (req: IncomingMessage, res: ServerResponse): number => {
    const { port } = server.address() as AddressInfo;
    const host = req.headers.host ?? '';
    // Only loopback names: a web page cannot reach us through DNS rebinding.
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return reply(res, 403, { code: 'AccessDenied', message: 'Host not allowed' });
    const given = req.headers.authorization ?? '';
    if (!timingSafeEqual(sha256(given), tokenDigest))
      return reply(res, 403, { code: 'AccessDenied', message: 'missing or wrong authorization token' });
    if (req.method !== 'GET') return reply(res, 405, { code: 'MethodNotAllowed', message: 'only GET' });
    if ((req.url ?? '').split('?')[0] !== CREDENTIALS_PATH)
      return reply(res, 404, { code: 'NotFound', message: 'no such path' });
    if (expiryOf(current) <= Date.now()) {
      return reply(res, 503, {
        code: 'CredentialsUnavailable',
        message: 'mfa-exec could not refresh the credentials; see its terminal',
      });
    }
    return reply(res, 200, {
      AccessKeyId: current.accessKeyId,
      SecretAccessKey: current.secretAccessKey,
      Token: current.sessionToken,
      Expiration: isoUtc(new Date(expiryOf(current))).replace(/\.\d{3}Z$/, 'Z'),
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  scheduleFor(current);
  const { port } = server.address() as AddressInfo;
  logger.debug(`ecs-server: listening on 127.0.0.1:${port}`);
  return {
    url: `http://127.0.0.1:${port}${CREDENTIALS_PATH}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function reply(res: ServerResponse, status: number, body: object): number {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return status;
}

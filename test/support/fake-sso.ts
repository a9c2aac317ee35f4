// A local IAM Identity Center (SSO) on 127.0.0.1 for tests: the portal's GetRoleCredentials
// and the OIDC service's RegisterClient, StartDeviceAuthorization and CreateToken (device
// code grant with authorization_pending / slow_down / expiry, and the refresh_token grant),
// speaking their REST-JSON wire format (paths, header and field names, error shapes as in
// the services' models). Both services answer on one port: point AWS_ENDPOINT_URL_SSO and
// AWS_ENDPOINT_URL_SSO_OIDC at `url`.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

/** Temporary credentials as GetRoleCredentials hands them out. */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** What the fake knows at start. */
export interface FakeSsoOptions {
  /** the time the service goes by (a shared test clock); the real clock when absent */
  clock?: { now(): number };
  /** The permission sets assigned to the user: anything else is "No access". */
  assignments: { accountId: string; roleName: string }[];
  /** Credentials for an assignment; default: random ones valid for 1 h (use the fake STS to get ones it accepts). */
  roleCredentials?: (accountId: string, roleName: string) => RoleCredentials | Promise<RoleCredentials>;
  /** Lifetime of access tokens from CreateToken; default 8 h. */
  accessTokenSeconds?: number;
  /** `interval` of StartDeviceAuthorization in seconds; default 1. */
  pollIntervalSeconds?: number;
  /** `expiresIn` of StartDeviceAuthorization in seconds; default 600. */
  deviceExpiresInSeconds?: number;
  /** Answer this many device-code polls with slow_down whatever their pace (a busy service); default 0. */
  slowDownPolls?: number;
}

/** One request as the fake saw it (operation name, HTTP status); no token is recorded. */
export interface SsoCall {
  operation: string;
  status: number;
  /** The OIDC `grantType` of a CreateToken call. */
  grantType?: string;
  /** The error type (x-amzn-errortype) of a failed call. */
  error?: string;
}

/** A device authorization waiting for the user. */
export interface PendingAuthorization {
  userCode: string;
  verificationUriComplete: string;
  startUrl: string;
}

/** A token as `aws sso login` leaves it: the fields of the AWS CLI's cache file. */
export interface CacheToken {
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: string;
  refreshToken?: string;
}

/** A running fake SSO portal + OIDC service. */
export interface FakeSso {
  /** http://127.0.0.1:<port>: both AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL_SSO_OIDC */
  url: string;
  calls: SsoCall[];
  /** Number of calls of `operation` (all when omitted). */
  count(operation?: string): number;
  resetCalls(): void;
  /** Sign in as `aws sso login` would have: a registered client and a token (with a refresh token unless `legacy`). */
  signIn(opts: { startUrl: string; region: string; expiresInSeconds?: number; legacy?: boolean }): CacheToken;
  /** Whether `accessToken` is a token this fake issued and still accepts. */
  isValidToken(accessToken: string): boolean;
  /** Every access and refresh token the fake has issued so far (to search for leaks). */
  issuedTokens(): string[];
  /** When each device-code CreateToken poll arrived (ms since the epoch). */
  pollTimes: number[];
  /** Device authorizations the user has not yet approved. */
  pending(): PendingAuthorization[];
  /** Resolves with the first pending authorization (polls every 50 ms, up to `timeoutMs`). */
  waitForPending(timeoutMs?: number): Promise<PendingAuthorization>;
  /** The user approves (signs in and allows) the authorization with `userCode`. */
  approve(userCode: string): void;
  /** The user denies it. */
  deny(userCode: string): void;
  close(): Promise<void>;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly body: Record<string, string>,
  ) {
    super(type);
  }
}

// OIDC errors carry OAuth's `error` + `error_description`; the portal's carry `message`.
const oidcError = (status: number, type: string, error: string, description: string): ServiceError =>
  new ServiceError(status, type, { error, error_description: description });
const portalError = (status: number, type: string, message: string): ServiceError =>
  new ServiceError(status, type, { message });

interface Client {
  secret: string;
  scopes: string[];
  expiresAt: number;
}
interface Device {
  clientId: string;
  userCode: string;
  startUrl: string;
  expiresAt: number;
  state: 'pending' | 'approved' | 'denied' | 'used';
  lastPoll: number;
}
interface Token {
  clientId: string;
  expiresAt: number;
}

/** Start a fake SSO on a free port of 127.0.0.1. */
export async function startFakeSso(opts: FakeSsoOptions): Promise<FakeSso> {
  const calls: SsoCall[] = [];
  const clients = new Map<string, Client>();
  const devices = new Map<string, Device>();
  const accessTokens = new Map<string, Token>();
  const refreshTokens = new Map<string, string>(); // refresh token → client id
  const issued: string[] = [];
  const tokenSeconds = opts.accessTokenSeconds ?? 8 * 3600;
  const interval = opts.pollIntervalSeconds ?? 1;
  const pollTimes: number[] = [];
  const now = (): number => opts.clock?.now() ?? Date.now();
  let slowDowns = opts.slowDownPolls ?? 0;
  let url = '';

  const registerClient = (scopes: string[]): [string, Client] => {
    const id = randomBytes(16).toString('base64url');
    const client: Client = {
      secret: randomBytes(64).toString('base64url'),
      scopes,
      expiresAt: now() + 90 * 86400_000,
    };
    clients.set(id, client);
    return [id, client];
  };
  const issueToken = (clientId: string, withRefresh: boolean, seconds = tokenSeconds) => {
    const accessToken = `aoa${randomBytes(48).toString('base64url')}`;
    accessTokens.set(accessToken, { clientId, expiresAt: now() + seconds * 1000 });
    issued.push(accessToken);
    let refreshToken: string | undefined;
    if (withRefresh) {
      refreshToken = `aor${randomBytes(48).toString('base64url')}`;
      refreshTokens.set(refreshToken, clientId);
      issued.push(refreshToken);
    }
    return { accessToken, tokenType: 'Bearer', expiresIn: seconds, ...(refreshToken && { refreshToken }) };
  };
  const client = (body: Record<string, unknown>): [string, Client] => {
    const id = typeof body.clientId === 'string' ? body.clientId : '';
    const c = clients.get(id);
    if (!c || c.secret !== body.clientSecret) {
      throw oidcError(401, 'InvalidClientException', 'invalid_client', 'Invalid client provided');
    }
    if (now() >= c.expiresAt) throw oidcError(401, 'InvalidClientException', 'invalid_client', 'Client expired');
    return [id, c];
  };
  const need = (body: Record<string, unknown>, ...names: string[]) => {
    for (const n of names) {
      if (typeof body[n] !== 'string' || body[n] === '') {
        throw oidcError(400, 'InvalidRequestException', 'invalid_request', `${n} is required`);
      }
    }
  };

  const createToken = (body: Record<string, unknown>, call: SsoCall): unknown => {
    need(body, 'clientId', 'clientSecret', 'grantType');
    const [clientId, c] = client(body);
    call.grantType = String(body.grantType);
    if (body.grantType === DEVICE_GRANT) {
      need(body, 'deviceCode');
      const device = devices.get(String(body.deviceCode));
      if (!device || device.clientId !== clientId || device.state === 'used') {
        throw oidcError(400, 'InvalidGrantException', 'invalid_grant', 'Invalid grant provided');
      }
      const at = now();
      pollTimes.push(at);
      if (at >= device.expiresAt) throw oidcError(400, 'ExpiredTokenException', 'expired_token', 'Device code expired');
      // RFC 8628: a client polling faster than `interval` is told to slow down (100 ms slack for timers).
      const early = at - device.lastPoll < interval * 1000 - 100;
      device.lastPoll = at;
      if (device.state === 'denied') throw oidcError(400, 'AccessDeniedException', 'access_denied', 'Access denied');
      if (early || slowDowns-- > 0)
        throw oidcError(400, 'SlowDownException', 'slow_down', 'Client is polling too fast');
      if (device.state === 'pending') {
        throw oidcError(
          400,
          'AuthorizationPendingException',
          'authorization_pending',
          'Authorization is still pending',
        );
      }
      device.state = 'used';
      // As IAM Identity Center: a refresh token only for a client registered with scopes.
      return issueToken(clientId, c.scopes.length > 0);
    }
    if (body.grantType === 'refresh_token') {
      need(body, 'refreshToken');
      const owner = refreshTokens.get(String(body.refreshToken));
      if (owner !== clientId) throw oidcError(400, 'InvalidGrantException', 'invalid_grant', 'Invalid refresh token');
      // Refresh tokens rotate: the old one is spent.
      refreshTokens.delete(String(body.refreshToken));
      return issueToken(clientId, true);
    }
    throw oidcError(400, 'UnsupportedGrantTypeException', 'unsupported_grant_type', `Unsupported grant type`);
  };

  const getRoleCredentials = async (req: IncomingMessage, query: URLSearchParams): Promise<unknown> => {
    const bearer = req.headers['x-amz-sso_bearer_token'];
    const token = typeof bearer === 'string' ? accessTokens.get(bearer) : undefined;
    if (!token || now() >= token.expiresAt) {
      throw portalError(401, 'UnauthorizedException', 'Session token not found or invalid');
    }
    const accountId = query.get('account_id');
    const roleName = query.get('role_name');
    if (!accountId || !roleName) {
      throw portalError(400, 'InvalidRequestException', 'account_id and role_name are required');
    }
    if (!opts.assignments.some((a) => a.accountId === accountId && a.roleName === roleName)) {
      throw portalError(403, 'ForbiddenException', 'No access');
    }
    const c = opts.roleCredentials
      ? await opts.roleCredentials(accountId, roleName)
      : {
          accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
          secretAccessKey: randomBytes(30).toString('base64'),
          sessionToken: randomBytes(200).toString('base64'),
          expiration: new Date(now() + 3600_000),
        };
    // expiration is epoch milliseconds on the wire.
    return {
      roleCredentials: {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: c.expiration.getTime(),
      },
    };
  };

  const handle = async (req: IncomingMessage, raw: string, call: SsoCall): Promise<unknown> => {
    const u = new URL(req.url ?? '/', 'http://x');
    const route = `${req.method} ${u.pathname}`;
    if (route === 'GET /federation/credentials') {
      call.operation = 'GetRoleCredentials';
      return getRoleCredentials(req, u.searchParams);
    }
    let body: Record<string, unknown> = {};
    if (req.method === 'POST') {
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        throw oidcError(400, 'InvalidRequestException', 'invalid_request', 'Malformed JSON');
      }
    }
    if (route === 'POST /client/register') {
      call.operation = 'RegisterClient';
      need(body, 'clientName', 'clientType');
      const scopes = Array.isArray(body.scopes) ? body.scopes.map(String) : [];
      const [clientId, c] = registerClient(scopes);
      return {
        clientId,
        clientSecret: c.secret,
        clientIdIssuedAt: Math.floor(now() / 1000),
        clientSecretExpiresAt: Math.floor(c.expiresAt / 1000),
      };
    }
    if (route === 'POST /device_authorization') {
      call.operation = 'StartDeviceAuthorization';
      need(body, 'clientId', 'clientSecret', 'startUrl');
      const [clientId] = client(body);
      const deviceCode = randomBytes(32).toString('base64url');
      const letters = 'BCDFGHJKLMNPQRSTVWXZ';
      const code = Array.from(randomBytes(8), (b) => letters[b % letters.length]).join('');
      const userCode = `${code.slice(0, 4)}-${code.slice(4)}`;
      const expiresIn = opts.deviceExpiresInSeconds ?? 600;
      devices.set(deviceCode, {
        clientId,
        userCode,
        startUrl: String(body.startUrl),
        expiresAt: now() + expiresIn * 1000,
        state: 'pending',
        lastPoll: 0,
      });
      return {
        deviceCode,
        userCode,
        verificationUri: `${url}/device`,
        verificationUriComplete: `${url}/device?user_code=${userCode}`,
        expiresIn,
        interval,
      };
    }
    if (route === 'POST /token') {
      call.operation = 'CreateToken';
      return createToken(body, call);
    }
    call.operation = 'Unknown';
    throw new ServiceError(404, 'UnknownOperationException', { message: `no route ${route}` });
  };

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: SsoCall = { operation: '', status: 200 };
      calls.push(call);
      handle(req, Buffer.concat(chunks).toString('utf8'), call).then(
        (out) => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
          res.end(JSON.stringify(out));
        },
        (e: unknown) => {
          const err =
            e instanceof ServiceError
              ? e
              : new ServiceError(500, 'InternalServerException', {
                  error: 'server_error',
                  error_description: String(e),
                });
          call.status = err.status;
          call.error = err.type;
          res.writeHead(err.status, {
            'content-type': 'application/json',
            'x-amzn-requestid': randomUUID(),
            'x-amzn-errortype': err.type,
          });
          res.end(JSON.stringify(err.body));
        },
      );
    });
  });
  const listening = await listenOnLoopback(server);
  url = listening.url;

  const pending = (): PendingAuthorization[] =>
    [...devices.values()]
      .filter((d) => d.state === 'pending' && now() < d.expiresAt)
      .map((d) => ({
        userCode: d.userCode,
        startUrl: d.startUrl,
        verificationUriComplete: `${url}/device?user_code=${d.userCode}`,
      }));
  const setState = (userCode: string, state: 'approved' | 'denied') => {
    const device = [...devices.values()].find((d) => d.userCode === userCode && d.state === 'pending');
    if (!device) throw new Error(`no pending authorization with user code ${userCode}`);
    device.state = state;
  };

  return {
    url,
    calls,
    pollTimes,
    count: (operation) => calls.filter((c) => operation === undefined || c.operation === operation).length,
    resetCalls: () => void calls.splice(0),
    signIn: ({ startUrl, region, expiresInSeconds, legacy }) => {
      const [clientId, c] = registerClient(legacy ? [] : ['sso:account:access']);
      const t = issueToken(clientId, !legacy, expiresInSeconds);
      const expiresAt = new Date(now() + t.expiresIn * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return legacy
        ? { startUrl, region, accessToken: t.accessToken, expiresAt }
        : {
            startUrl,
            region,
            accessToken: t.accessToken,
            expiresAt,
            clientId,
            clientSecret: c.secret,
            registrationExpiresAt: new Date(c.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            refreshToken: t.refreshToken!,
          };
    },
    isValidToken: (accessToken) => {
      const t = accessTokens.get(accessToken);
      return !!t && now() < t.expiresAt;
    },
    issuedTokens: () => [...issued],
    pending,
    waitForPending: async (timeoutMs = 30_000) => {
      // A real wait of the test's, whatever the service's clock says.
      const until = Date.now() + timeoutMs;
      for (;;) {
        const first = pending()[0];
        if (first) return first;
        if (Date.now() > until) throw new Error('no device authorization was started');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    approve: (userCode) => setState(userCode, 'approved'),
    deny: (userCode) => setState(userCode, 'denied'),
    close: listening.close,
  };
}

/** The AWS CLI's token cache file name: sha1 hex of the sso_session name, or of the start URL (legacy). */
export function cacheFileName(sessionNameOrStartUrl: string): string {
  return `${createHash('sha1').update(sessionNameOrStartUrl, 'utf8').digest('hex')}.json`;
}

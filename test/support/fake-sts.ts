// A local AWS STS on 127.0.0.1 for tests and the demo: the Query API subset
// mfa-exec uses (GetSessionToken, AssumeRole, AssumeRoleWithWebIdentity,
// GetCallerIdentity), with SigV4 signature checks, MFA codes verified by otplib,
// AWS's limits and errors, and every AssumeRole parameter recorded.

import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { generateSync, verifySync } from 'otplib';
import { listenOnLoopback } from './loopback.js';

/** An IAM user with a long-lived key and optionally a virtual MFA device. */
export interface FakeUser {
  userName: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  mfaSerial?: string;
  /** base32 TOTP seed of the device `mfaSerial` */
  totpSecret?: string;
}

/** A role anyone may assume; `requireMfa` mirrors a trust policy with `aws:MultiFactorAuthPresent`. */
export interface FakeRole {
  roleArn: string;
  requireMfa: boolean;
  /** MaxSessionDuration in seconds, 3600 (AWS's default) unless set; at most 43200 */
  maxSessionDuration?: number;
  /** A trust policy for a web identity provider: AssumeRoleWithWebIdentity accepts exactly this token. */
  webIdentityToken?: string;
  /** A trust policy with sts:SetSourceIdentity / sts:TagSession conditions: AssumeRole is denied without these. */
  requireSourceIdentity?: string;
  requireTags?: Record<string, string>;
}

/** The parameters of one AssumeRole (or AssumeRoleWithWebIdentity) as STS decoded them. */
export interface AssumeRoleRecord {
  action: 'AssumeRole' | 'AssumeRoleWithWebIdentity';
  roleArn: string;
  roleSessionName: string;
  durationSeconds?: number;
  externalId?: string;
  serialNumber?: string;
  /** true when a TokenCode was sent (the code itself is not kept) */
  tokenCode: boolean;
  sourceIdentity?: string;
  tags: { key: string; value: string }[];
  transitiveTagKeys: string[];
  /** the caller's access key id (empty for the unsigned AssumeRoleWithWebIdentity) */
  accessKeyId: string;
  status: number;
}

/** What the fake knows at start. */
export interface FakeStsOptions {
  users: FakeUser[];
  roles: FakeRole[];
  /** test-only: when set, every issued credential expires after this many seconds regardless of the requested duration */
  credentialLifetimeSeconds?: number;
  /** the time in ms (default Date.now); a TestClock shares its offset with the CLI under test */
  clock?: { now(): number };
  /** test-only: answer with broken credentials (see FakeSts.setAnswerMode) */
  answerMode?: AnswerMode;
}

/**
 * How issued credentials are written in answers: 'normal'; 'past' gives an Expiration an hour
 * ago; 'newline' puts a newline (and the start of an injected line) inside the SessionToken.
 */
export type AnswerMode = 'normal' | 'past' | 'newline';

/** One request as the fake saw it; `TokenCode` is redacted to '***'. */
export interface StsCall {
  action: string;
  accessKeyId: string;
  params: Record<string, string>;
  status: number;
}

/** A running fake STS. */
export interface FakeSts {
  /** http://127.0.0.1:<port> — use as `endpoint` / `AWS_ENDPOINT_URL_STS` */
  url: string;
  port: number;
  /** every request, in arrival order */
  calls: StsCall[];
  /** number of calls, of `action` when given */
  count(action?: string): number;
  resetCalls(): void;
  /** every AssumeRole and AssumeRoleWithWebIdentity, decoded, in arrival order */
  assumed(): AssumeRoleRecord[];
  /** temporary credentials of `userName` as if from another source (instance role, container): usable here */
  mint(
    userName: string,
    seconds: number,
  ): { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date };
  /** change `credentialLifetimeSeconds` for credentials issued from now on */
  setCredentialLifetime(seconds: number | undefined): void;
  /** the next `times` requests fail with this AWS error (throttling, outages) */
  setFailure(f: { status: number; code: string; message: string; times: number } | undefined): void;
  /** change how credentials issued from now on are written in answers ('normal' to undo) */
  setAnswerMode(mode: AnswerMode): void;
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const MFA_FAILED = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';

/** Credentials issued by the fake, with what they stand for. */
interface Issued {
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  user: FakeUser;
  /** true when an MFA code was verified somewhere in the chain that produced them */
  mfa: boolean;
  /** set for role credentials */
  role?: { arn: string; assumedRoleId: string };
}

/** The caller of one request. */
interface Caller {
  accessKeyId: string;
  user: FakeUser;
  issued: Issued | undefined;
}

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string): StsError => new StsError(400, 'ValidationError', message);

/** The current TOTP code (6 digits, 30 s) for a base32 seed, at `at` (default now). */
export function totpCode(secretBase32: string, at: Date = new Date()): string {
  return generateSync({ secret: secretBase32, epoch: Math.floor(at.getTime() / 1000) });
}

/** Start a fake STS on a free port of 127.0.0.1. */
export async function startFakeSts(opts: FakeStsOptions): Promise<FakeSts> {
  const users = new Map(opts.users.map((u) => [u.accessKeyId, u]));
  const roles = new Map(opts.roles.map((r) => [r.roleArn, { ...r, id: `AROA${alnum(17)}` }]));
  const issued = new Map<string, Issued>();
  const usedSteps = new Map<string, Set<number>>();
  const calls: StsCall[] = [];
  const now = (): number => opts.clock?.now() ?? Date.now();
  let lifetime = opts.credentialLifetimeSeconds;
  let failure: { status: number; code: string; message: string; times: number } | undefined;
  let answerMode: AnswerMode = opts.answerMode ?? 'normal';

  const issue = (user: FakeUser, durationSeconds: number, mfa: boolean, role?: Issued['role']): [string, Issued] => {
    const accessKeyId = `ASIA${alnum(16)}`;
    const creds: Issued = {
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(240).toString('base64'),
      expiresAt: now() + (lifetime ?? durationSeconds) * 1000,
      user,
      mfa,
      ...(role && { role }),
    };
    issued.set(accessKeyId, creds);
    if (answerMode === 'past') return [accessKeyId, { ...creds, expiresAt: now() - 3600_000 }];
    if (answerMode === 'newline')
      return [
        accessKeyId,
        {
          ...creds,
          sessionToken: `${creds.sessionToken.slice(0, 20)}\nAWS_INJECTED=1\n${creds.sessionToken.slice(20)}`,
        },
      ];
    return [accessKeyId, creds];
  };

  // Verifies SerialNumber + TokenCode for `user`; true when both are given and good.
  const checkMfa = (user: FakeUser, p: URLSearchParams): boolean => {
    const serial = p.get('SerialNumber');
    const code = p.get('TokenCode');
    if (serial === null && code === null) return false;
    if (code !== null && !/^\d{6}$/.test(code)) {
      throw validation(
        "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]* and have length 6",
      );
    }
    if (serial === null || code === null) {
      throw new StsError(
        403,
        'AccessDenied',
        'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.',
      );
    }
    if (serial !== user.mfaSerial || user.totpSecret === undefined) {
      throw new StsError(
        403,
        'AccessDenied',
        'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.',
      );
    }
    const result = verifySync({
      secret: user.totpSecret,
      token: code,
      epoch: Math.floor(now() / 1000),
      epochTolerance: 30,
    });
    const used = usedSteps.get(serial) ?? new Set<number>();
    if (!result.valid || !('timeStep' in result) || used.has(result.timeStep)) {
      throw new StsError(403, 'AccessDenied', MFA_FAILED);
    }
    used.add(result.timeStep);
    usedSteps.set(serial, used);
    return true;
  };

  const getSessionToken = (caller: Caller, p: URLSearchParams): string => {
    if (caller.issued) throw new StsError(403, 'AccessDenied', 'Cannot call GetSessionToken with session credentials');
    const duration = durationParam(p, 129600) ?? 43200;
    const mfa = checkMfa(caller.user, p);
    const [id, c] = issue(caller.user, duration, mfa);
    return credentialsXml(id, c);
  };

  const assumeRole = (caller: Caller, p: URLSearchParams): string => {
    const roleArn = p.get('RoleArn') ?? '';
    const sessionName = p.get('RoleSessionName');
    if (sessionName === null) {
      throw validation(
        "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
      );
    }
    if (sessionName.length < 2 || sessionName.length > 64 || !/^[\w+=,.@-]*$/.test(sessionName)) {
      throw validation(
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    const requested = durationParam(p, 43200);
    const role = roles.get(roleArn);
    const denied = new StsError(
      403,
      'AccessDenied',
      `User: ${callerArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
    if (!role) throw denied;
    const maxSession = role.maxSessionDuration ?? 3600;
    if (requested !== undefined && caller.issued && requested > 3600) {
      throw validation(
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }
    if (requested !== undefined && requested > maxSession) {
      throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    }
    const mfa = checkMfa(caller.user, p) || (caller.issued?.mfa ?? false);
    if (role.requireMfa && !mfa) throw denied;
    const tags = tagsOf(p);
    if (role.requireSourceIdentity !== undefined && p.get('SourceIdentity') !== role.requireSourceIdentity)
      throw denied;
    for (const [k, v] of Object.entries(role.requireTags ?? {}))
      if (!tags.some((t) => t.key === k && t.value === v)) throw denied;
    const [id, c] = issue(caller.user, requested ?? 3600, mfa, {
      arn: `arn:aws:sts::${arnAccount(roleArn)}:assumed-role/${roleArn.split('/').pop()}/${sessionName}`,
      assumedRoleId: `${role.id}:${sessionName}`,
    });
    const assumed = `<AssumedRoleUser><AssumedRoleId>${c.role?.assumedRoleId}</AssumedRoleId><Arn>${xml(c.role?.arn ?? '')}</Arn></AssumedRoleUser>`;
    return credentialsXml(id, c) + assumed;
  };

  const assumeRoleWithWebIdentity = (p: URLSearchParams): string => {
    const roleArn = p.get('RoleArn') ?? '';
    const sessionName = p.get('RoleSessionName') ?? '';
    if (sessionName.length < 2 || sessionName.length > 64 || !/^[\w+=,.@-]*$/.test(sessionName)) {
      throw validation(
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    const role = roles.get(roleArn);
    const token = p.get('WebIdentityToken') ?? '';
    if (!role || role.webIdentityToken === undefined) {
      throw new StsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
    if (token !== role.webIdentityToken)
      throw new StsError(
        400,
        'InvalidIdentityToken',
        "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      );
    const requested = durationParam(p, role.maxSessionDuration ?? 3600);
    const user: FakeUser = {
      userName: 'web-identity',
      accountId: arnAccount(roleArn),
      accessKeyId: '',
      secretAccessKey: '',
    };
    const [id, c] = issue(user, requested ?? 3600, false, {
      arn: `arn:aws:sts::${arnAccount(roleArn)}:assumed-role/${roleArn.split('/').pop()}/${sessionName}`,
      assumedRoleId: `${role.id}:${sessionName}`,
    });
    const assumed = `<AssumedRoleUser><AssumedRoleId>${c.role?.assumedRoleId}</AssumedRoleId><Arn>${xml(c.role?.arn ?? '')}</Arn></AssumedRoleUser>`;
    return credentialsXml(id, c) + assumed + `<SubjectFromWebIdentityToken>ci</SubjectFromWebIdentityToken>`;
  };

  const getCallerIdentity = (caller: Caller): string => {
    const userId = caller.issued?.role
      ? caller.issued.role.assumedRoleId
      : caller.user.accessKeyId.replace(/^AKIA/, 'AIDA');
    return `<Arn>${xml(callerArn(caller))}</Arn><UserId>${xml(userId)}</UserId><Account>${caller.user.accountId}</Account>`;
  };

  // Finds the caller from the SigV4 Authorization header and checks the signature and token.
  const authenticate = (req: IncomingMessage, body: string): Caller => {
    const auth = req.headers.authorization ?? '';
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m) throw new StsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = m;
    const temp = issued.get(accessKeyId);
    const user = temp?.user ?? users.get(accessKeyId);
    const secret = temp?.secretAccessKey ?? user?.secretAccessKey;
    if (!user || secret === undefined) {
      throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
    const expected = sigV4Signature(req, body, { secret, date, region, service, signedHeaders });
    if (service !== 'sts' || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      throw new StsError(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    if (temp) {
      if (req.headers['x-amz-security-token'] !== temp.sessionToken) {
        throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      }
      if (now() >= temp.expiresAt) {
        throw new StsError(400, 'ExpiredToken', 'The security token included in the request is expired');
      }
    }
    return { accessKeyId, user, issued: temp };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const p = req.method === 'POST' ? new URLSearchParams(body) : query;
    const action = p.get('Action') ?? '';
    const params: Record<string, string> = {};
    for (const [k, v] of p) if (k !== 'Action' && k !== 'Version') params[k] = k === 'TokenCode' ? '***' : v;
    const credential = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '');
    const call: StsCall = { action, accessKeyId: credential?.[1] ?? '', params, status: 200 };
    calls.push(call);
    const requestId = randomUUID();
    let status = 200;
    let out: string;
    try {
      if (failure && failure.times > 0) {
        failure.times -= 1;
        throw new StsError(failure.status, failure.code, failure.message);
      }
      let inner: string;
      // The one unsigned action: the web identity token is the proof.
      if (action === 'AssumeRoleWithWebIdentity') inner = assumeRoleWithWebIdentity(p);
      else if (action === 'GetSessionToken') inner = getSessionToken(authenticate(req, body), p);
      else if (action === 'AssumeRole') inner = assumeRole(authenticate(req, body), p);
      else if (action === 'GetCallerIdentity') inner = getCallerIdentity(authenticate(req, body));
      else throw new StsError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
      out = `<${action}Response xmlns="${NS}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
    } catch (e) {
      if (!(e instanceof StsError)) throw e;
      status = e.status;
      const type = status >= 500 ? 'Receiver' : 'Sender';
      out = `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${xml(e.code)}</Code><Message>${xml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    }
    call.status = status;
    res.writeHead(status, {
      'content-type': 'text/xml',
      'x-amzn-requestid': requestId,
      date: new Date(now()).toUTCString(),
    });
    res.end(out);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      }
    });
  });
  const { url, port, close } = await listenOnLoopback(server);
  return {
    url,
    port,
    calls,
    count: (action) => calls.filter((c) => action === undefined || c.action === action).length,
    resetCalls: () => void calls.splice(0),
    assumed: () =>
      calls.flatMap((c): AssumeRoleRecord[] => {
        if (c.action !== 'AssumeRole' && c.action !== 'AssumeRoleWithWebIdentity') return [];
        const q = new URLSearchParams(c.params);
        const n = (k: string) => (c.params[k] === undefined ? undefined : Number(c.params[k]));
        return [
          {
            action: c.action,
            roleArn: c.params.RoleArn ?? '',
            roleSessionName: c.params.RoleSessionName ?? '',
            ...(n('DurationSeconds') !== undefined && { durationSeconds: n('DurationSeconds') }),
            ...(c.params.ExternalId !== undefined && { externalId: c.params.ExternalId }),
            ...(c.params.SerialNumber !== undefined && { serialNumber: c.params.SerialNumber }),
            tokenCode: c.params.TokenCode !== undefined,
            ...(c.params.SourceIdentity !== undefined && { sourceIdentity: c.params.SourceIdentity }),
            tags: tagsOf(q),
            transitiveTagKeys: listOf(q, 'TransitiveTagKeys.member'),
            accessKeyId: c.accessKeyId,
            status: c.status,
          },
        ];
      }),
    mint: (userName, seconds) => {
      const user = opts.users.find((u) => u.userName === userName);
      if (!user) throw new Error(`fake STS: no user ${userName}`);
      const [accessKeyId, c] = issue(user, seconds, false);
      return {
        accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: new Date(c.expiresAt),
      };
    },
    setCredentialLifetime: (seconds) => void (lifetime = seconds),
    setFailure: (f) => void (failure = f && { ...f }),
    setAnswerMode: (mode) => void (answerMode = mode),
    close,
  };
}

/** The values of a Query API list `prefix.1`, `prefix.2`, … in order. */
function listOf(p: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; p.has(`${prefix}.${i}`); i++) out.push(p.get(`${prefix}.${i}`)!);
  return out;
}

/** Session tags as the Query API sends them: Tags.member.N.Key / .Value. */
function tagsOf(p: URLSearchParams): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let i = 1; p.has(`Tags.member.${i}.Key`); i++)
    out.push({ key: p.get(`Tags.member.${i}.Key`)!, value: p.get(`Tags.member.${i}.Value`) ?? '' });
  return out;
}

/** Random uppercase alphanumerics, as in AWS key ids. */
function alnum(n: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(n), (b) => chars[b % chars.length]).join('');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function credentialsXml(accessKeyId: string, c: Issued): string {
  const expiration = new Date(c.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${xml(c.secretAccessKey)}</SecretAccessKey><SessionToken>${xml(c.sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials>`;
}

function arnAccount(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function callerArn(caller: Caller): string {
  return caller.issued?.role?.arn ?? `arn:aws:iam::${caller.user.accountId}:user/${caller.user.userName}`;
}

// DurationSeconds within [900, max], undefined when absent.
function durationParam(p: URLSearchParams, max: number): number | undefined {
  const raw = p.get('DurationSeconds');
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n))
    throw validation(
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`,
    );
  if (n < 900)
    throw validation(
      `1 validation error detected: Value '${n}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  if (n > max)
    throw validation(
      `1 validation error detected: Value '${n}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  return n;
}

/** RFC 3986 encoding as SigV4 wants it. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string): Buffer => createHmac('sha256', key).update(s, 'utf8').digest();

// The SigV4 signature (hex) of `req` per the AWS Signature Version 4 spec.
function sigV4Signature(
  req: IncomingMessage,
  body: string,
  k: { secret: string; date: string; region: string; service: string; signedHeaders: string },
): string {
  const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2);
  const canonicalUri = rawPath
    .split('/')
    .map((seg) => uriEncode(decodeURIComponent(seg)))
    .map(uriEncode)
    .join('/');
  const canonicalQuery = [...new URLSearchParams(rawQuery)]
    .map(([key, v]) => [uriEncode(key), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, v]) => `${key}=${v}`)
    .join('&');
  const names = k.signedHeaders.split(';');
  const canonicalHeaders = names
    .map((n) => {
      const v = req.headers[n];
      return `${n}:${(Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payloadHash = (req.headers['x-amz-content-sha256'] as string | undefined) ?? sha256(body);
  const canonicalRequest = [
    req.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    k.signedHeaders,
    payloadHash,
  ].join('\n');
  const amzDate = (req.headers['x-amz-date'] as string | undefined) ?? '';
  const scope = `${k.date}/${k.region}/${k.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${k.secret}`, k.date), k.region), k.service), 'aws4_request');
  return hmac(signingKey, stringToSign).toString('hex');
}

// IamClient on @aws-sdk/client-iam (and sts:GetCallerIdentity on @aws-sdk/client-sts), each
// SDK loaded only when a call is really made; plus the two other AWS-facing helpers of
// setup and doctor: TOTP codes for enabling a virtual device, and the STS server's clock.

import { totpCodeAt } from './mfa/totp.js';
import { AwsCallError, MfaExecError } from '../core/errors.js';
import type { Credentials, IamAccessKey, IamClient } from '../core/types.js';
import { moduleExports } from './module-exports.js';

/** Where to reach IAM and STS, and with which credentials. */
export interface IamSettings {
  region: string | undefined;
  /** A configured IAM endpoint (AWS_ENDPOINT_URL_IAM, …), else AWS's own. */
  iamEndpoint: string | undefined;
  /** A configured STS endpoint, for GetCallerIdentity. */
  stsEndpoint: string | undefined;
  credentials: Credentials;
}

type IamSdk = typeof import('@aws-sdk/client-iam');
type StsSdk = typeof import('@aws-sdk/client-sts');
let iamSdk: Promise<IamSdk> | undefined;
let stsSdk: Promise<StsSdk> | undefined;

function loadIam(): Promise<IamSdk> {
  iamSdk ??= import('@aws-sdk/client-iam').then((m) => moduleExports(m as IamSdk, 'IAMClient'));
  return iamSdk;
}
function loadSts(): Promise<StsSdk> {
  stsSdk ??= import('@aws-sdk/client-sts').then((m) => moduleExports(m as StsSdk, 'STSClient'));
  return stsSdk;
}

/** An IamClient for `settings`; the SDKs are imported on the first call, not before. */
export function createIamClient(settings: IamSettings): IamClient {
  const common = {
    // IAM is global; the SDK still needs a region to sign.
    region: settings.region ?? 'us-east-1',
    credentials: {
      accessKeyId: settings.credentials.accessKeyId,
      secretAccessKey: settings.credentials.secretAccessKey,
      sessionToken: settings.credentials.sessionToken,
    },
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 10000 },
  };
  let iam: Promise<{ sdk: IamSdk; client: InstanceType<IamSdk['IAMClient']> }> | undefined;
  const withIam = <T>(
    what: string,
    run: (s: IamSdk, c: InstanceType<IamSdk['IAMClient']>) => Promise<T>,
  ): Promise<T> => {
    iam ??= loadIam().then((sdk) => ({
      sdk,
      client: new sdk.IAMClient({ ...common, ...(settings.iamEndpoint ? { endpoint: settings.iamEndpoint } : {}) }),
    }));
    return iam
      .then(({ sdk, client }) => run(sdk, client))
      .catch((e: unknown) => {
        throw toTypedError(e, 'IAM', settings.iamEndpoint, what);
      });
  };
  // Read calls: a missing entity is undefined, not an error.
  const orMissing = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (e) {
      if (e instanceof AwsCallError && e.code === 'NoSuchEntity') return undefined;
      throw e;
    }
  };
  return {
    getCallerIdentity: async () => {
      try {
        const s = await loadSts();
        const client = new s.STSClient({
          ...common,
          ...(settings.stsEndpoint ? { endpoint: settings.stsEndpoint } : {}),
        });
        const out = await client.send(new s.GetCallerIdentityCommand({}));
        return { account: out.Account ?? '', arn: out.Arn ?? '' };
      } catch (e) {
        throw toTypedError(e, 'STS', settings.stsEndpoint, 'GetCallerIdentity');
      }
    },
    getRole: (roleName) =>
      orMissing(
        withIam('GetRole', async (s, c) => {
          const { Role } = await c.send(new s.GetRoleCommand({ RoleName: roleName }));
          return { arn: Role?.Arn ?? '', trustPolicy: decodeDocument(Role?.AssumeRolePolicyDocument) };
        }),
      ),
    createRole: (roleName, trustPolicy) =>
      withIam('CreateRole', async (s, c) => {
        const { Role } = await c.send(
          new s.CreateRoleCommand({
            RoleName: roleName,
            AssumeRolePolicyDocument: trustPolicy,
            Description: 'Assumed with MFA through mfa-exec',
          }),
        );
        return { arn: Role?.Arn ?? '' };
      }),
    listAttachedRolePolicies: (roleName) =>
      withIam('ListAttachedRolePolicies', (s, c) =>
        pages(async (Marker) => {
          const out = await c.send(new s.ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker }));
          return {
            items: (out.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''),
            next: out.IsTruncated ? out.Marker : undefined,
          };
        }),
      ),
    attachRolePolicy: (roleName, policyArn) =>
      withIam(
        'AttachRolePolicy',
        async (s, c) =>
          void (await c.send(new s.AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }))),
      ),
    getUser: (userName) =>
      orMissing(
        withIam('GetUser', async (s, c) => {
          const { User } = await c.send(new s.GetUserCommand({ UserName: userName }));
          return { arn: User?.Arn ?? '' };
        }),
      ),
    createUser: (userName) =>
      withIam('CreateUser', async (s, c) => {
        const { User } = await c.send(new s.CreateUserCommand({ UserName: userName }));
        return { arn: User?.Arn ?? '' };
      }),
    getUserPolicy: (userName, policyName) =>
      orMissing(
        withIam('GetUserPolicy', async (s, c) => {
          const out = await c.send(new s.GetUserPolicyCommand({ UserName: userName, PolicyName: policyName }));
          return decodeDocument(out.PolicyDocument);
        }),
      ),
    putUserPolicy: (userName, policyName, document) =>
      withIam(
        'PutUserPolicy',
        async (s, c) =>
          void (await c.send(
            new s.PutUserPolicyCommand({ UserName: userName, PolicyName: policyName, PolicyDocument: document }),
          )),
      ),
    listUserPolicies: (userName) =>
      withIam('ListUserPolicies', (s, c) =>
        pages(async (Marker) => {
          const out = await c.send(new s.ListUserPoliciesCommand({ UserName: userName, Marker }));
          return { items: out.PolicyNames ?? [], next: out.IsTruncated ? out.Marker : undefined };
        }),
      ),
    listAttachedUserPolicies: (userName) =>
      withIam('ListAttachedUserPolicies', (s, c) =>
        pages(async (Marker) => {
          const out = await c.send(new s.ListAttachedUserPoliciesCommand({ UserName: userName, Marker }));
          return {
            items: (out.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''),
            next: out.IsTruncated ? out.Marker : undefined,
          };
        }),
      ),
    listGroupsForUser: (userName) =>
      withIam('ListGroupsForUser', (s, c) =>
        pages(async (Marker) => {
          const out = await c.send(new s.ListGroupsForUserCommand({ UserName: userName, Marker }));
          return {
            items: (out.Groups ?? []).map((g) => g.GroupName ?? ''),
            next: out.IsTruncated ? out.Marker : undefined,
          };
        }),
      ),
    listMfaDevices: (userName) =>
      withIam('ListMFADevices', (s, c) =>
        pages(async (Marker) => {
          const out = await c.send(new s.ListMFADevicesCommand({ UserName: userName, Marker }));
          return {
            items: (out.MFADevices ?? []).map((d) => d.SerialNumber ?? ''),
            next: out.IsTruncated ? out.Marker : undefined,
          };
        }),
      ),
    createVirtualMfaDevice: (deviceName) =>
      withIam('CreateVirtualMFADevice', async (s, c) => {
        const { VirtualMFADevice: d } = await c.send(
          new s.CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: deviceName }),
        );
        const seed = d?.Base32StringSeed ? Buffer.from(d.Base32StringSeed).toString('ascii') : '';
        if (!d?.SerialNumber || !/^[A-Z2-7]+=*$/.test(seed)) {
          throw new MfaExecError(
            'sts',
            'IAM created the virtual MFA device but answered without its serial number or seed',
            {
              hint: 'delete it with `aws iam delete-virtual-mfa-device` and run setup again',
            },
          );
        }
        return { serial: d.SerialNumber, seedBase32: seed };
      }),
    deleteVirtualMfaDevice: (serial) =>
      withIam(
        'DeleteVirtualMFADevice',
        async (s, c) => void (await c.send(new s.DeleteVirtualMFADeviceCommand({ SerialNumber: serial }))),
      ),
    enableMfaDevice: (userName, serial, code1, code2) =>
      withIam(
        'EnableMFADevice',
        async (s, c) =>
          void (await c.send(
            new s.EnableMFADeviceCommand({
              UserName: userName,
              SerialNumber: serial,
              AuthenticationCode1: code1,
              AuthenticationCode2: code2,
            }),
          )),
      ),
    listAccessKeys: (userName) =>
      withIam('ListAccessKeys', (s, c) =>
        pages(async (Marker) => {
          const out = await c.send(new s.ListAccessKeysCommand({ UserName: userName, Marker }));
          const items = (out.AccessKeyMetadata ?? []).map((k): IamAccessKey => ({
            accessKeyId: k.AccessKeyId ?? '',
            status: k.Status ?? 'Active',
            ...(k.CreateDate ? { createDate: k.CreateDate } : {}),
          }));
          return { items, next: out.IsTruncated ? out.Marker : undefined };
        }),
      ),
    createAccessKey: (userName) =>
      withIam('CreateAccessKey', async (s, c) => {
        const { AccessKey: k } = await c.send(new s.CreateAccessKeyCommand({ UserName: userName }));
        if (!k?.AccessKeyId || !k.SecretAccessKey) {
          throw new MfaExecError('sts', 'IAM answered CreateAccessKey without the new key', {
            hint: 'check the IAM endpoint setting',
          });
        }
        return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
      }),
    deleteAccessKey: (userName, accessKeyId) =>
      withIam(
        'DeleteAccessKey',
        async (s, c) =>
          void (await c.send(new s.DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }))),
      ),
  };
}

async function pages<T>(
  page: (marker: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const { items, next } = await page(marker);
    all.push(...items);
    marker = next;
  } while (marker);
  return all;
}

// IAM returns policy documents URL-encoded.
function decodeDocument(doc: string | undefined): string {
  if (!doc) return '';
  try {
    return doc.trimStart().startsWith('{') ? doc : decodeURIComponent(doc);
  } catch {
    return doc;
  }
}

const NETWORK =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|TimeoutError|socket hang up/i;

/** SDK exceptions → AwsCallError (AWS answered) or a one-line error naming the service (it did not). */
function toTypedError(e: unknown, service: 'IAM' | 'STS', endpoint: string | undefined, what: string): unknown {
  if (e instanceof MfaExecError) return e;
  const err = e as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  // `Code` is AWS's own error code (NoSuchEntity); `name` may carry an SDK suffix (NoSuchEntityException).
  if (err.$metadata?.httpStatusCode)
    return new AwsCallError(err.Code ?? err.name ?? 'Unknown', `${what}: ${firstLine(err.message ?? '')}`, {
      cause: e,
    });
  const where = endpoint ?? `the AWS ${service} endpoint`;
  if (NETWORK.test(`${err.name ?? ''} ${err.code ?? ''} ${err.message ?? ''}`)) {
    return new MfaExecError('sts', `cannot reach ${service} at ${where}`, {
      hint: `check the network, or AWS_ENDPOINT_URL_${service} / endpoint_url`,
      cause: e,
    });
  }
  return new MfaExecError('sts', `${what} failed: ${firstLine(err.message ?? String(e))}`, {
    hint: 'run with --debug for details',
    cause: e,
  });
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

/** The TOTP codes of `seedBase32` for the 30 s window holding `at` and the next one (EnableMFADevice wants two consecutive codes). */
export async function consecutiveTotpCodes(seedBase32: string, at: Date): Promise<[string, string]> {
  return [await totpCodeAt(seedBase32, at), await totpCodeAt(seedBase32, new Date(at.getTime() + 30_000))];
}

/**
 * Why `code1`, `code2` are not two consecutive codes of `seedBase32` around `at` (the first
 * within the last two minutes), or undefined when they are.
 */
export async function consecutiveProblem(
  seedBase32: string,
  code1: string,
  code2: string,
  at: Date,
): Promise<string | undefined> {
  if (code1 === code2) return 'the two codes are the same, and the second must be the next one the app shows';
  for (let k = -4; k <= 0; k++) {
    const [c1, c2] = await consecutiveTotpCodes(seedBase32, new Date(at.getTime() + k * 30_000));
    if (c1 === code1 && c2 === code2) return undefined;
  }
  return 'those are not two consecutive codes of this device';
}

/** The time in the `Date` header of the server at `url` (any answer will do), or an error text when none came within 5 s. */
export async function serverDate(url: string): Promise<{ date: Date } | { error: string }> {
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(5000), redirect: 'manual' });
    await res.body?.cancel();
    const header = res.headers.get('date');
    const date = header ? new Date(header) : undefined;
    return date && !Number.isNaN(date.getTime()) ? { date } : { error: `${url} answered without a Date header` };
  } catch (e) {
    const err = e as { cause?: { code?: string }; name?: string; message?: string };
    return { error: `cannot reach ${url} (${err.cause?.code ?? err.name ?? err.message ?? 'error'})` };
  }
}

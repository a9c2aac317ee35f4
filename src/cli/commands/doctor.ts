// `mfa-exec doctor [profile] [--json]`: gathers the facts (files, store, STS, IAM where it
// may be read) and prints core/doctor.ts's checklist; exit 1 when a check fails.
// IAM is read with the profile's cached role or session credentials when fresh (no MFA
// prompt), else with the stored key. A check that could not run (IAM unreachable or the read
// refused) is listed as skipped, and doctor exits 0 only when every check ran and passed.

import { escapeControls } from '../../core/display.js';
import {
  getProfile,
  profileNames,
  resolveChain,
  resolveEndpoint,
  resolveRegion,
  type Chain,
  type ParsedAwsFiles,
  type ProfileConfig,
} from '../../core/config.js';
import {
  checkBase,
  checkCaller,
  checkClock,
  checkConfig,
  checkKeyAge,
  checkKeyNotInFile,
  checkMfaDevice,
  checkSsoToken,
  checkStoredKey,
  checkTrustPolicy,
  checkUserPermissions,
  describeBase,
  doctorExitStatus,
  type CheckResult,
  type Probe,
  type UserPermissions,
} from '../../core/doctor.js';
import { AwsCallError, isMfaExecError } from '../../core/errors.js';
import { planCredentials, readCachedResult } from '../../core/plan.js';
import { ssoCacheId } from '../../core/providers/sso.js';
import { decodeKey, decodeSsoToken, keyItem, ssoTokenItem } from '../../core/store-items.js';
import type { Credentials, IamClient, StoredKey } from '../../core/types.js';
import type { ParsedOf } from '../args.js';
import type { doctorSpec } from '../specs.js';
import type { Context } from '../context.js';
import { backendName } from './store-view.js';

/** Flags, usage and help of `doctor`. */

/** Run `doctor`. */
export async function doctorCommand(ctx: Context, parsed: ParsedOf<typeof doctorSpec>): Promise<number> {
  const name = parsed.positionals[0] ?? ctx.env.AWS_PROFILE;
  const results = await diagnose(ctx, name, parsed.values.region);
  if (parsed.values.json) {
    const checks = results.map((r) => ({ check: r.check, status: r.status, message: r.message, fix: r.fix ?? null }));
    ctx.stdout(`${JSON.stringify({ profile: name ?? null, ok: doctorExitStatus(results) === 0, checks }, null, 2)}\n`);
  } else {
    ctx.stdout(formatReport(name, results));
  }
  return doctorExitStatus(results);
}

const LABEL: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skipped: 'skip' };

/** The report as text: one line per check, its fix under it. */
function formatReport(name: string | undefined, results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length));
  const lines = [
    name === undefined
      ? 'mfa-exec doctor (no profile named: files and keys only)'
      : `mfa-exec doctor: profile "${escapeControls(name)}"`,
  ];
  for (const r of results) {
    // Messages quote names and values from the files: control characters are shown escaped.
    lines.push(`  ${LABEL[r.status]}  ${r.check.padEnd(width)}  ${escapeControls(r.message)}`);
    if (r.fix && r.status !== 'ok')
      lines.push(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${escapeControls(r.fix)}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  lines.push(
    failed || warned || skipped
      ? `${failed} failed, ${skipped ? `${skipped} could not run, ` : ''}${warned} warning${warned === 1 ? '' : 's'}`
      : 'all checks passed',
  );
  return `${lines.join('\n')}\n`;
}

async function diagnose(
  ctx: Context,
  name: string | undefined,
  regionFlag: string | undefined,
): Promise<CheckResult[]> {
  let files: ParsedAwsFiles;
  let chain: Chain | undefined;
  let profile: ProfileConfig | undefined;
  try {
    files = ctx.files();
    if (name !== undefined) {
      profile = getProfile(files, name);
      chain = resolveChain(files, name);
    }
  } catch (e) {
    if (!isMfaExecError(e)) throw e;
    return [checkConfig(name ?? '', e, undefined)];
  }
  const storeName = backendName(ctx);
  if (!chain || !profile) {
    const inFile = Object.entries(files.credentialsProfiles).filter(
      ([, v]) => (v.aws_access_key_id || v.aws_secret_access_key) && !v.aws_session_token,
    );
    const count = profileNames(files).length;
    return [
      count
        ? {
            check: 'config',
            status: 'ok',
            message: `${files.configLabel} and ${files.credentialsLabel} parse (${count} profile${count === 1 ? '' : 's'})`,
          }
        : {
            check: 'config',
            status: 'fail',
            message: `no profiles in ${files.configLabel} or ${files.credentialsLabel}`,
            fix: "run `mfa-exec setup`, or add the profiles of the README's Quick start",
          },
      ...(inFile.length
        ? inFile.map(([p, v]) =>
            checkKeyNotInFile(p, true, files.credentialsLabel, !!(v.aws_access_key_id && v.aws_secret_access_key)),
          )
        : [checkKeyNotInFile('any profile', false, files.credentialsLabel)]),
      checkClock(ctx.clock.now(), await ctx.io.serverDate(stsUrl(ctx, files, undefined, regionFlag))),
    ];
  }
  const chainText = [`${chain.base.profile} (${describeBase(chain.base)})`, ...chain.roles.map((r) => r.roleArn)].join(
    ' → ',
  );
  const results: CheckResult[] = [checkConfig(chain.profile, undefined, chainText)];
  const base = chain.base.profile;
  const now = ctx.clock.now();
  if (chain.base.kind === 'sso') {
    const id = ssoCacheId(chain.base.sso);
    const cli = await ctx.ssoCliToken(id);
    const stored = decodeSsoToken(await ctx.store().get(ssoTokenItem(id)));
    results.push(checkSsoToken(chain.base.profile, { cli: cli.token, cliFile: cli.file, stored, storeName }, now));
    results.push(checkClock(now, await ctx.io.serverDate(stsUrl(ctx, files, profile, regionFlag))));
    return results;
  }
  if (chain.base.kind !== 'key') {
    const b = chain.base;
    const read =
      b.kind === 'web-identity'
        ? await probe(async () => ({
            bytes: (await ctx.machine.webIdentityToken(b.webIdentity.tokenFile, b.profile)).length,
          }))
        : b.kind === 'credential-source'
          ? await probe(async () => ({ credentials: await ctx.machine.credentialSource(b.source, b.profile) }))
          : undefined;
    results.push(checkBase(b, read, now));
    results.push(checkClock(now, await ctx.io.serverDate(stsUrl(ctx, files, profile, regionFlag))));
    return results;
  }

  let key: StoredKey | undefined;
  try {
    key = decodeKey(await ctx.store().get(keyItem(base)));
    results.push(checkStoredKey(base, key !== undefined, storeName));
  } catch (e) {
    if (!isMfaExecError(e)) throw e;
    results.push({ check: 'stored key', status: 'fail', message: e.message, ...(e.hint ? { fix: e.hint } : {}) });
  }
  const fileKey = files.credentialsProfiles[base];
  results.push(
    checkKeyNotInFile(
      base,
      !!(fileKey?.aws_access_key_id || fileKey?.aws_secret_access_key),
      files.credentialsLabel,
      !!(fileKey?.aws_access_key_id && fileKey.aws_secret_access_key),
    ),
  );

  const region = resolveRegion({ flag: regionFlag, env: ctx.env, profile });
  const settings = {
    region,
    iamEndpoint: resolveEndpoint('iam', { env: ctx.env, profile, files }),
    stsEndpoint: resolveEndpoint('sts', { env: ctx.env, profile, files }),
  };
  let userName: string | undefined;
  let reader: IamClient | undefined;
  if (key) {
    const caller = await probe(() => ctx.io.createIamClient({ ...settings, credentials: key }).getCallerIdentity());
    results.push(checkCaller(base, caller));
    userName = 'value' in caller ? /:user\/(?:.*\/)?([^/]+)$/.exec(caller.value.arn)?.[1] : undefined;
    if (userName !== undefined)
      reader = ctx.io.createIamClient({ ...settings, credentials: (await cachedCredentials(ctx, chain)) ?? key });
  }
  const listed = reader && userName ? await probe(() => reader.listAccessKeys(userName)) : undefined;
  const created =
    listed && 'value' in listed ? listed.value.find((k) => k.accessKeyId === key?.accessKeyId)?.createDate : undefined;
  if (key) results.push(checkKeyAge(chain.profile, key.addedAt, created, now));
  results.push(checkClock(now, await ctx.io.serverDate(stsUrl(ctx, files, profile, regionFlag))));
  const devices = reader && userName ? await probe(() => reader.listMfaDevices(userName)) : undefined;
  results.push(checkMfaDevice(chain.mfaSerial, chain.roles.length > 0, userName, devices));
  for (const role of chain.roles) {
    const roleName = role.roleArn.split('/').pop()!;
    const trust: Probe<string | undefined> = reader
      ? await probe(async () => (await reader.getRole(roleName))?.trustPolicy)
      : { error: 'no stored key to read the role with' };
    results.push(checkTrustPolicy(role.roleArn, trust));
  }
  const perms = reader && userName ? await probe(() => permissionsOf(reader, userName)) : undefined;
  results.push(checkUserPermissions(userName, perms));
  return results;
}

/** The profile's cached role (or session) credentials when still fresh: IAM reads without an MFA prompt. */
async function cachedCredentials(ctx: Context, chain: Chain): Promise<Credentials | undefined> {
  try {
    return await readCachedResult(planCredentials(chain, {}), { store: ctx.store(), clock: ctx.clock });
  } catch {
    return undefined;
  }
}

async function permissionsOf(iam: IamClient, user: string): Promise<UserPermissions> {
  const names = await iam.listUserPolicies(user);
  const inline = await Promise.all(
    names.map(async (name) => ({ name, document: (await iam.getUserPolicy(user, name)) ?? '' })),
  );
  return { inline, attached: await iam.listAttachedUserPolicies(user), groups: await iam.listGroupsForUser(user) };
}

/** Run an AWS read: AccessDenied is "not allowed to read", any other failure a one-line reason. */
async function probe<T>(read: () => Promise<T>): Promise<Probe<T>> {
  try {
    return { value: await read() };
  } catch (e) {
    if (e instanceof AwsCallError && /^(AccessDenied|AccessDeniedException|UnauthorizedOperation)$/.test(e.code))
      return { denied: true };
    if (e instanceof AwsCallError) return { error: `${e.code}: ${e.awsMessage}` };
    if (isMfaExecError(e)) return { error: e.message };
    throw e;
  }
}

/** Where to ask STS for the time: the configured endpoint, else AWS's (regional when a region is known). */
function stsUrl(
  ctx: Context,
  files: ParsedAwsFiles,
  profile: ProfileConfig | undefined,
  regionFlag: string | undefined,
): string {
  const configured = resolveEndpoint('sts', { env: ctx.env, profile, files });
  if (configured) return configured;
  const region = resolveRegion({ flag: regionFlag, env: ctx.env, profile });
  return region ? `https://sts.${region}.amazonaws.com/` : 'https://sts.amazonaws.com/';
}

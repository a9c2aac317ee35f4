// `mfa-exec setup`: the whole IAM set-up of the pattern mfa-exec exists for, with admin
// credentials. Reads what exists first, then creates only what is missing, so a run that
// stopped midway is finished by running it again. Every created resource is reported.

import { deleteKeyHint } from '../../core/display.js';
import { getProfile, resolveEndpoint, resolveRegion, type ProfileConfig } from '../../core/config.js';
import { trustProblem } from '../../core/doctor.js';
import { AwsCallError, MfaExecError } from '../../core/errors.js';
import { upsertSection } from '../../core/ini-edit.js';
import {
  accountOf,
  assumeOnlyPolicy,
  describeSetup,
  mfaSerialOf,
  otpauthUri,
  profileSections,
  roleArnOf,
  samePolicy,
  trustPolicy,
  userPolicyName,
  validateSetupRequest,
  type AccountRef,
  type SetupRequest,
} from '../../core/setup-plan.js';
import { decodeKey, keyItem, totpItem } from '../../core/store-items.js';
import type { Credentials, IamClient } from '../../core/types.js';
import type { ParsedOf } from '../args.js';
import type { setupSpec } from '../specs.js';
import type { Context, Terminal } from '../context.js';
import { storeKey } from './add.js';
import { credentialsFor } from './get-credentials.js';
import { backendName } from './store-view.js';

/** Flags, usage and help of `setup`. */

/** Run `setup`. */
export async function setupCommand(ctx: Context, parsed: ParsedOf<typeof setupSpec>): Promise<number> {
  const v = parsed.values;
  if (parsed.positionals.length) {
    throw new MfaExecError('usage', `setup takes no positional arguments (got "${parsed.positionals[0]}")`, {
      hint: 'name the user and role with --user and --role',
    });
  }
  const user = v.user;
  const role = v.role;
  if (!user || !role) {
    throw new MfaExecError('usage', 'setup needs --user and --role', {
      hint: 'e.g. `mfa-exec setup --user test_iam_user --role CREATED_ROLE`',
    });
  }
  const files = ctx.files();
  const adminName = v['admin-profile'];
  const admin = adminName === undefined ? undefined : getProfile(files, adminName);
  const req: SetupRequest = {
    user,
    role,
    profile: v.profile ?? role,
    policyArns: [...new Set(v['policy-arn'] ?? [])],
    region: resolveRegion({ flag: v.region, env: ctx.env, profile: admin }) ?? 'us-east-1',
    storeTotp: v['store-totp'] === true,
  };
  validateSetupRequest(req);
  if (v['dry-run']) {
    ctx.stdout(describeSetup(req, { storeName: backendName(ctx), configLabel: files.configLabel }));
    return 0;
  }

  const credentials = await adminCredentials(ctx, admin, v);
  const iam = ctx.io.createIamClient({
    region: req.region,
    iamEndpoint: resolveEndpoint('iam', { env: ctx.env, profile: admin, files }),
    stsEndpoint: resolveEndpoint('sts', { env: ctx.env, profile: admin, files }),
    credentials,
  });
  const report = (line: string) => ctx.stdout(`${line}\n`);
  try {
    await run(ctx, iam, req, report);
  } catch (e) {
    if (!(e instanceof AwsCallError)) throw e;
    throw new MfaExecError('sts', `setup stopped: ${e.code}: ${e.awsMessage}`, {
      hint:
        e.code === 'AccessDenied'
          ? 'the admin credentials need IAM rights (e.g. IAMFullAccess); then run the same command again, it finishes what is missing'
          : 'fix the cause and run the same command again: it keeps what exists and finishes the rest',
      cause: e,
    });
  }
  return 0;
}

async function run(ctx: Context, iam: IamClient, req: SetupRequest, report: (line: string) => void): Promise<void> {
  const ref = accountOf((await iam.getCallerIdentity()).arn);
  const roleArn = roleArnOf(ref, req.role);
  const store = ctx.store();

  // Read everything first: what cannot be finished fails here, before anything is created.
  const role = await iam.getRole(req.role);
  const userFound = await iam.getUser(req.user);
  const devices = userFound ? await iam.listMfaDevices(req.user) : [];
  const keys = userFound ? await iam.listAccessKeys(req.user) : [];
  const stored = decodeKey(await store.get(keyItem(req.user)));
  const keyDone = stored !== undefined && keys.some((k) => k.accessKeyId === stored.accessKeyId);
  if (!keyDone && keys.length >= 2) {
    throw new MfaExecError(
      'usage',
      `user ${req.user} already has 2 access keys (IAM's limit) and neither is stored for profile ${req.user}`,
      {
        hint: `${deleteKeyHint(req.user, keys[0]!.accessKeyId)}, or store one with \`mfa-exec add ${req.user}\``,
      },
    );
  }
  let tty: Terminal | undefined;
  if (devices.length === 0 && !req.storeTotp) {
    tty = ctx.io.openTerminal();
    if (!tty) {
      throw new MfaExecError(
        'mfa',
        'enabling the MFA device needs two codes from an authenticator app, and there is no terminal to ask on',
        {
          hint: 'run setup at a terminal, or add --store-totp to keep the seed in the store and compute the codes',
        },
      );
    }
  }

  try {
    if (role) {
      report(`found role ${role.arn}`);
      if (trustProblem(role.trustPolicy))
        ctx.logger.info(
          `warning: role ${req.role} already existed and ${trustProblem(role.trustPolicy)}; it was not changed (see \`mfa-exec doctor ${req.profile}\`)`,
        );
    } else {
      report(
        `created role ${(await iam.createRole(req.role, trustPolicy(ref))).arn} (trusts account ${ref.account}, MFA required)`,
      );
    }
    const attached = role ? await iam.listAttachedRolePolicies(req.role) : [];
    for (const arn of req.policyArns.filter((a) => !attached.includes(a))) {
      await iam.attachRolePolicy(req.role, arn);
      report(`attached ${arn} to role ${req.role}`);
    }

    report(userFound ? `found user ${userFound.arn}` : `created user ${(await iam.createUser(req.user)).arn}`);
    const policyName = userPolicyName(req.role);
    const policy = assumeOnlyPolicy(roleArn);
    const current = userFound ? await iam.getUserPolicy(req.user, policyName) : undefined;
    if (current === undefined || !samePolicy(current, policy)) {
      await iam.putUserPolicy(req.user, policyName, policy);
      report(`put inline policy ${policyName} on user ${req.user} (sts:AssumeRole on ${roleArn} only)`);
    }

    let serial = devices.find((d) => d === mfaSerialOf(ref, req.user)) ?? devices[0];
    if (serial) report(`found MFA device ${serial} of user ${req.user}`);
    else {
      serial = await enableNewDevice(ctx, iam, req, ref, tty);
      report(`created MFA device ${serial}, enabled for user ${req.user}`);
    }

    if (keyDone)
      report(`found access key …${stored!.accessKeyId.slice(-4)} of user ${req.user}, stored for profile ${req.user}`);
    else report(await createAndStoreKey(ctx, iam, req.user));

    report(writeProfiles(ctx, req, roleArn, serial));
    report(`done: try \`mfa-exec ${req.profile} -- aws sts get-caller-identity\``);
  } finally {
    tty?.close();
  }
}

/** Credentials of --admin-profile (role chain through the usual flow, else its key in the files or the store), else the environment's. */
async function adminCredentials(
  ctx: Context,
  admin: ProfileConfig | undefined,
  values: ParsedOf<typeof setupSpec>['values'],
): Promise<Credentials> {
  if (admin?.roleArn !== undefined) return (await credentialsFor(ctx, admin.name, values)).credentials;
  if (admin) {
    const raw = ctx.files().profiles[admin.name]!;
    if (raw.aws_access_key_id && raw.aws_secret_access_key) {
      return {
        accessKeyId: raw.aws_access_key_id,
        secretAccessKey: raw.aws_secret_access_key,
        sessionToken: raw.aws_session_token,
      };
    }
    const key = decodeKey(await ctx.store().get(keyItem(admin.name)));
    if (key) return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    throw new MfaExecError('no-stored-key', `admin profile "${admin.name}" has no key in the AWS files or the store`, {
      hint: `store one with \`mfa-exec add ${admin.name}\`, or give role_arn to the profile`,
    });
  }
  const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token } = ctx.env;
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
  throw new MfaExecError('usage', 'setup needs credentials that may administer IAM', {
    hint: 'give --admin-profile A, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, with AWS_SESSION_TOKEN for temporary keys, in the environment',
  });
}

/** Create the virtual device (replacing one left unassigned by an interrupted run), then enable it with two consecutive codes. */
async function enableNewDevice(
  ctx: Context,
  iam: IamClient,
  req: SetupRequest,
  ref: AccountRef,
  tty: Terminal | undefined,
): Promise<string> {
  let device: { serial: string; seedBase32: string };
  try {
    device = await iam.createVirtualMfaDevice(req.user);
  } catch (e) {
    if (!(e instanceof AwsCallError && e.code === 'EntityAlreadyExists')) throw e;
    // Its seed cannot be read back: delete the unassigned device and make a new one.
    await iam.deleteVirtualMfaDevice(mfaSerialOf(ref, req.user));
    ctx.logger.info(`deleted the unassigned MFA device ${mfaSerialOf(ref, req.user)} left by an earlier run`);
    device = await iam.createVirtualMfaDevice(req.user);
  }
  if (req.storeTotp) {
    const store = ctx.store();
    const item = totpItem(device.serial);
    await store.set(item, device.seedBase32);
    if ((await store.get(item)) !== device.seedBase32) {
      throw new MfaExecError('store', `the TOTP seed of ${device.serial} did not read back from the store`, {
        hint: 'check the store, then run setup again',
      });
    }
    ctx.stdout(
      `stored the TOTP seed of ${device.serial} in the ${backendName(ctx)}: the second factor now lives on this machine, and the seed gives the codes of this device from now on\n`,
    );
    const [code1, code2] = await ctx.io.consecutiveTotpCodes(device.seedBase32, ctx.clock.now());
    await iam.enableMfaDevice(req.user, device.serial, code1, code2);
    return device.serial;
  }
  await ctx.io.showEnrollment(tty!, device.serial, otpauthUri(device.seedBase32, req.user, ref.account));
  for (let attempt = 1; ; attempt++) {
    const code1 = await askCode(tty!, 'First code: ');
    const code2 = await askCode(tty!, 'Next code (wait for the app to show a new one): ');
    // The seed is here: check the pair locally, since not every IAM (moto, for one) checks it.
    const problem = await ctx.io.consecutiveProblem(device.seedBase32, code1, code2, ctx.clock.now());
    if (problem) {
      if (attempt >= 3) throw new MfaExecError('mfa', problem, { hint: 'run setup again; it resumes here' });
      tty!.write(`${problem}; enter two consecutive codes again.\n`);
      continue;
    }
    try {
      await iam.enableMfaDevice(req.user, device.serial, code1, code2);
      return device.serial;
    } catch (e) {
      if (!(e instanceof AwsCallError && e.code === 'InvalidAuthenticationCode') || attempt >= 3) throw e;
      tty!.write('AWS did not accept those codes: enter two consecutive codes again.\n');
    }
  }
}

async function askCode(tty: Terminal, prompt: string): Promise<string> {
  for (;;) {
    const code = (await tty.readLine(prompt, { hidden: true })).trim();
    if (/^\d{6}$/.test(code)) return code;
    tty.write('An MFA code is 6 digits.\n');
  }
}

/** CreateAccessKey, then straight into the store; a key that cannot be stored is deleted again. */
async function createAndStoreKey(ctx: Context, iam: IamClient, user: string): Promise<string> {
  const key = await iam.createAccessKey(user);
  const shown = `…${key.accessKeyId.slice(-4)}`;
  try {
    await storeKey(ctx, user, { ...key, addedAt: ctx.clock.now().toISOString() });
  } catch (e) {
    const undone = await iam.deleteAccessKey(user, key.accessKeyId).then(
      () => 'it was deleted again',
      () => deleteKeyHint(user, key.accessKeyId),
    );
    throw new MfaExecError(
      'store',
      `the new access key ${shown} of user ${user} could not be stored (${(e as Error).message}): ${undone}`,
      {
        hint: 'fix the store, or use --backend file, and run setup again',
        cause: e,
      },
    );
  }
  return `created access key ${shown} for user ${user}, stored in the ${backendName(ctx)} for profile ${user}`;
}

/** Upsert [profile U] and [profile P] into the config file, keeping every other byte; atomic. */
function writeProfiles(ctx: Context, req: SetupRequest, roleArn: string, serial: string): string {
  const files = ctx.files();
  const names = `[profile ${req.user}] and [profile ${req.profile}]`;
  const changed = ctx.io.editAwsFile(files.configPath, (before) =>
    profileSections(req, roleArn, serial).reduce((text, s) => upsertSection(text, s.section, s.values), before),
  );
  return changed ? `wrote ${names} to ${files.configLabel}` : `found ${names} in ${files.configLabel}`;
}

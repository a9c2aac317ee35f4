// `mfa-exec rotate <profile>`: replace the long-lived key at the bottom of a profile's chain.
// Order: create (with the profile's MFA-gated credentials) → prove → store → delete the old
// key → clear sessions. The old key stays stored and active until the new one is proven and
// stored, and a failure at any step says exactly what state the account and the store are in.

import { deleteKeyHint } from '../../core/display.js';
import { getProfile, resolveChain, resolveEndpoint, resolveRegion } from '../../core/config.js';
import { showKey } from '../../core/redact.js';
import { AwsCallError, MfaExecError } from '../../core/errors.js';
import { decodeKey, encodeKey, keyItem } from '../../core/store-items.js';
import type { Credentials } from '../../core/types.js';
import type { ParsedOf } from '../args.js';
import type { rotateSpec } from '../specs.js';
import type { Context } from '../context.js';
import { storeKey } from './add.js';
import { credentialsFor } from './get-credentials.js';
import { backendName } from './store-view.js';

/** Waits between GetCallerIdentity tries with the new key while IAM propagates it (about 40 s in all). */
const PROOF_WAITS_MS = [1000, 2000, 3000, 4000, 5000, 5000, 5000, 5000, 5000, 5000];

/** Flags, usage and help of `rotate`. */

/** Run `rotate`. */
export async function rotateCommand(ctx: Context, parsed: ParsedOf<typeof rotateSpec>): Promise<number> {
  const name = parsed.positionals[0] ?? ctx.env.AWS_PROFILE;
  if (!name || parsed.positionals.length > 1) {
    throw new MfaExecError('usage', 'rotate takes one profile name', { hint: 'e.g. `mfa-exec rotate test`' });
  }
  const files = ctx.files();
  const profile = getProfile(files, name);
  const chain = resolveChain(files, name);
  const base = chain.base.profile;
  if (chain.base.kind !== 'key') {
    throw new MfaExecError(
      'usage',
      `profile "${name}" gets its base credentials from credential_process, not a stored key`,
      {
        hint: 'rotate the key of a profile whose chain ends in a key stored with `mfa-exec add`',
      },
    );
  }
  const store = ctx.store();
  const old = decodeKey(await store.get(keyItem(base)));
  if (!old) {
    throw new MfaExecError('no-stored-key', `no key stored for profile "${base}"`, {
      hint: `store the current key with \`mfa-exec add ${base}\`, then rotate it`,
    });
  }
  const settings = {
    region: resolveRegion({ flag: parsed.values.region, env: ctx.env, profile }),
    iamEndpoint: resolveEndpoint('iam', { env: ctx.env, profile, files }),
    stsEndpoint: resolveEndpoint('sts', { env: ctx.env, profile, files }),
  };
  const client = (credentials: Credentials) => ctx.io.createIamClient({ ...settings, credentials });
  const report = (line: string) => ctx.stdout(`${line}\n`);

  // The user the key belongs to (GetCallerIdentity needs no permission and no MFA).
  const callerArn = (await client(old).getCallerIdentity()).arn;
  const user = /:user\/(?:.*\/)?([^/]+)$/.exec(callerArn)?.[1];
  if (!user) {
    throw new MfaExecError('usage', `the key stored for "${base}" belongs to ${callerArn}, not an IAM user`, {
      hint: 'only IAM user access keys can be rotated',
    });
  }
  const admin = client((await credentialsFor(ctx, name, parsed.values)).credentials);
  const oldShown = showKey(old.accessKeyId);

  const keys = await step('listing the access keys', () => admin.listAccessKeys(user), 'nothing was changed');
  if (keys.length >= 2) {
    const other = keys.find((k) => k.accessKeyId !== old.accessKeyId);
    throw new MfaExecError('usage', `user ${user} already has 2 access keys (IAM's limit); nothing was changed`, {
      hint: other
        ? `the one not stored by mfa-exec is ${showKey(other.accessKeyId)}: ${deleteKeyHint(user, other.accessKeyId)}, then rotate`
        : 'delete one of them, then rotate',
    });
  }
  const created = await step(
    'creating the new access key',
    () => admin.createAccessKey(user),
    `nothing was changed; the key ${oldShown} is still stored and active`,
  );
  const fresh = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey };
  const newShown = showKey(fresh.accessKeyId);
  const dropNew = () =>
    admin.deleteAccessKey(user, fresh.accessKeyId).then(
      () => `it was deleted again`,
      () => deleteKeyHint(user, fresh.accessKeyId),
    );
  report(`created access key ${newShown} for user ${user}`);

  const proof = await prove(ctx, () => client(fresh).getCallerIdentity());
  if (!('arn' in proof) || proof.arn !== callerArn) {
    const why = 'arn' in proof ? `belongs to ${proof.arn}, not ${callerArn}` : `could not be proven (${proof.error})`;
    throw new MfaExecError('sts', `the new key ${newShown} ${why}: ${await dropNew()}`, {
      hint: `the old key ${oldShown} is still stored and active; run rotate again later`,
    });
  }
  report(`the new key works (GetCallerIdentity: ${proof.arn})`);

  try {
    await storeKey(ctx, base, { ...fresh, addedAt: ctx.clock.now().toISOString() });
  } catch (e) {
    // Put the old key back (it still works), and do not leave an unstored key behind.
    await store.set(keyItem(base), encodeKey(old)).catch(() => undefined);
    const undone = await dropNew();
    throw new MfaExecError(
      'store',
      `the new key ${newShown} works but could not be stored (${(e as Error).message}): ${undone}`,
      {
        hint: `the old key ${oldShown} is still active and stored for "${base}"; fix the store and rotate again`,
        cause: e,
      },
    );
  }
  report(
    `stored the new key ${newShown} for profile "${base}" in the ${backendName(ctx)} and cleared its cached sessions`,
  );

  await step(
    'deleting the old key',
    () => admin.deleteAccessKey(user, old.accessKeyId),
    `new key ${newShown} created and stored; old key ${oldShown} still active: ${deleteKeyHint(user, old.accessKeyId)}`,
  );
  report(`deleted the old key ${oldShown}`);
  return 0;
}

/** Run one AWS step; on failure, say what failed and the exact state the account is left in. */
async function step<T>(what: string, call: () => Promise<T>, state: string): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const why = e instanceof AwsCallError ? `${e.code}: ${e.awsMessage}` : (e as Error).message;
    throw new MfaExecError('sts', `rotate failed ${what} (${why}); ${state}`, {
      hint:
        e instanceof AwsCallError && e.code === 'AccessDenied'
          ? "the profile's credentials need iam:ListAccessKeys, iam:CreateAccessKey and iam:DeleteAccessKey on the user"
          : 'see the state above',
      cause: e,
    });
  }
}

/** The caller ARN of the new key once AWS accepts it, retrying while IAM propagates it (bounded); else why not. */
async function prove(ctx: Context, call: () => Promise<{ arn: string }>): Promise<{ arn: string } | { error: string }> {
  for (let i = 0; ; i++) {
    try {
      return { arn: (await call()).arn };
    } catch (e) {
      const propagating =
        e instanceof AwsCallError && /^(InvalidClientTokenId|SignatureDoesNotMatch|AccessDenied)$/.test(e.code);
      if (!propagating)
        return { error: e instanceof AwsCallError ? `${e.code}: ${e.awsMessage}` : (e as Error).message };
      if (i >= PROOF_WAITS_MS.length) return { error: `AWS still answered ${e.code} after about 40 s` };
      ctx.logger.debug(`the new key is not accepted yet (${e.code}); trying again`);
      await ctx.clock.sleep(PROOF_WAITS_MS[i]!);
    }
  }
}

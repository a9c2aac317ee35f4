// TOTP codes computed from a seed kept in the store (`mfa-exec totp add`). This puts
// the second factor on the same machine as the key: a convenience, said so to the user.

import { MfaExecError } from '../../core/errors.js';
import { totpItem } from '../../core/store-items.js';
import type { MfaCodeSource, SecretStore } from '../../core/types.js';
import { moduleExports } from '../module-exports.js';

/** The store item holding the base32 TOTP seed of an MFA device (shared with `setup --store-totp`). */
export { totpItem };

/** Smallest seed otplib accepts (and RFC 4226 recommends): 128 bits. */
const MIN_SEED_BYTES = 16;

/** The seed as stored (upper case, no spaces, dashes or padding); invalid → 'usage' error that never shows the seed. */
export async function normalizeTotpSeed(input: string): Promise<string> {
  const seed = input.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  const invalid = (what: string) =>
    new MfaExecError('usage', `that is not a TOTP seed: ${what}`, {
      hint: 'give the secret key shown when the virtual MFA device was made: base32, letters A-Z and digits 2-7',
    });
  if (!/^[A-Z2-7]+$/.test(seed)) throw invalid('base32 has only letters A-Z and digits 2-7');
  const bytes = Math.floor((seed.length * 5) / 8);
  if (bytes < MIN_SEED_BYTES) throw invalid(`it decodes to ${bytes} bytes, and at least ${MIN_SEED_BYTES} are needed`);
  try {
    await generate(seed);
  } catch {
    throw invalid('its length or last character is not valid base32');
  }
  return seed;
}

/** Computes the current code from the stored seed at each call, so a retry after the 30 s window gets the next code. */
export function totpSource(store: () => SecretStore): MfaCodeSource {
  return {
    name: 'the stored TOTP seed',
    interactive: false,
    maxTries: 2,
    async getCode(mfaSerial) {
      const seed = await store().get(totpItem(mfaSerial));
      if (!seed) {
        throw new MfaExecError('mfa', `no TOTP seed is stored for ${mfaSerial}`, {
          hint: `store it with \`mfa-exec totp add ${mfaSerial}\`, or choose another --prompt`,
        });
      }
      return generate(seed);
    },
  };
}

/**
 * The stored TOTP seed of the device when there is one (storing it was the opt-in), else
 * `fallback()`: the automatic choice when neither --prompt nor MFA_EXEC_PROMPT is given. The
 * store is read only when a code is needed, so the warm path makes no extra read.
 */
export function storedSeedFirst(store: () => SecretStore, fallback: () => MfaCodeSource): MfaCodeSource {
  let chosen: MfaCodeSource | undefined;
  const current = () => chosen ?? fallback();
  return {
    get name() {
      return current().name;
    },
    get interactive() {
      return current().interactive;
    },
    get maxTries() {
      return current().maxTries;
    },
    async getCode(mfaSerial, attempt) {
      chosen ??= (await store().get(totpItem(mfaSerial))) ? totpSource(store) : fallback();
      return chosen.getCode(mfaSerial, attempt);
    },
  };
}

/** The TOTP code of `seed` for the 30 s window holding `at` (otplib loads only when a code is needed). */
export async function totpCodeAt(seed: string, at: Date): Promise<string> {
  const { generateSync } = moduleExports(await import('otplib'), 'generateSync');
  return generateSync({ secret: seed, epoch: Math.floor(at.getTime() / 1000) });
}

/** The code of `seed` for the current 30 s window. */
const generate = (seed: string): Promise<string> => totpCodeAt(seed, new Date());

// UsedCodes kept in the SecretStore: a hash of the last accepted code per MFA device.

import { createHash } from 'node:crypto';
import { usedCodeItem } from '../core/store-items.js';
import type { Clock, SecretStore, UsedCodes } from '../core/types.js';

/** AWS accepts a TOTP code for about ±1 step around its window; remember it a little longer. */
const REMEMBER_MS = 150_000;

const digest = (serial: string, code: string) => createHash('sha256').update(`${serial}\n${code}`).digest('hex');

/** UsedCodes on `store`, one item per device. */
export function createUsedCodes(store: SecretStore, clock: Clock): UsedCodes {
  return {
    async wasUsed(serial, code) {
      try {
        const raw = JSON.parse((await store.get(usedCodeItem(serial))) ?? 'null') as {
          hash?: string;
          at?: number;
        } | null;
        return !!raw && raw.hash === digest(serial, code) && clock.now().getTime() - (raw.at ?? 0) < REMEMBER_MS;
      } catch {
        return false;
      }
    },
    async markUsed(serial, code) {
      await store.set(usedCodeItem(serial), JSON.stringify({ hash: digest(serial, code), at: clock.now().getTime() }));
    },
  };
}

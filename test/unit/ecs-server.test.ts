// The credential server's refresh timing: how far ahead of expiry it refreshes (refreshLeadMs),
// and that the server really calls `resolve` again that far ahead, with real short lifetimes.

import { afterEach, describe, expect, it } from 'vitest';
import { REFRESH_WINDOW_SECONDS } from '../../src/core/providers/cached.js';
import { refreshLeadMs, startEcsServer, type EcsServer } from '../../src/adapters/ecs-server.js';
import type { Credentials } from '../../src/core/types.js';
import { RecordingLogger } from '../support/fakes.js';

describe('refreshLeadMs', () => {
  it('long credentials: 10 s inside core refresh window, so the refresh really fetches new ones', () => {
    expect(refreshLeadMs(3600_000)).toBe(REFRESH_WINDOW_SECONDS * 1000 - 10_000);
    expect(refreshLeadMs(43_200_000)).toBe(290_000);
  });

  it('short credentials: a third of what is left', () => {
    expect(refreshLeadMs(9000)).toBe(3000);
    expect(refreshLeadMs(870_000)).toBe(290_000);
    expect(refreshLeadMs(600_000)).toBe(200_000);
  });

  it('is always more than nothing and less than what is left', () => {
    for (const ms of [3, 1000, 60_000, 899_999, 900_000, 3_600_000]) {
      expect(refreshLeadMs(ms)).toBeGreaterThan(0);
      expect(refreshLeadMs(ms)).toBeLessThan(ms);
    }
  });
});

describe('startEcsServer refresh', () => {
  let server: EcsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('calls resolve again refreshLeadMs ahead of expiry, not at expiry', async () => {
    const lifetimeMs = 1500;
    const calls: { at: number; previousExpiry?: number }[] = [];
    let previous: Credentials | undefined;
    let third!: () => void;
    const done = new Promise<void>((r) => (third = r));
    let n = 0;
    server = await startEcsServer({
      logger: new RecordingLogger(),
      resolve: async () => {
        const at = Date.now();
        calls.push({ at, previousExpiry: previous?.expiration?.getTime() });
        previous = {
          accessKeyId: `ASIATEST${++n}`,
          secretAccessKey: 's',
          sessionToken: 't',
          expiration: new Date(at + lifetimeMs),
        };
        if (calls.length === 3) third();
        return previous;
      },
    });
    await done;
    for (const c of calls.slice(1)) {
      const left = c.previousExpiry! - c.at;
      // A third of 1.5 s is 500 ms ahead (not at expiry); 150 ms for a late timer on a loaded machine.
      expect(left).toBeGreaterThanOrEqual(350);
      expect(left).toBeLessThanOrEqual(550);
    }
  });

  it('answers the refreshed credentials, with their Expiration', async () => {
    let n = 0;
    server = await startEcsServer({
      logger: new RecordingLogger(),
      resolve: async () => ({
        accessKeyId: `ASIATEST${++n}`,
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: new Date(Math.ceil((Date.now() + 1200) / 1000) * 1000),
      }),
    });
    const get = async () =>
      (await (await fetch(server!.url, { headers: { authorization: server!.token } })).json()) as {
        AccessKeyId: string;
        Expiration: string;
      };
    const first = await get();
    expect(first.AccessKeyId).toBe('ASIATEST1');
    await new Promise((r) => setTimeout(r, 2500));
    const later = await get();
    expect(later.AccessKeyId).not.toBe('ASIATEST1');
    expect(Date.parse(later.Expiration) - Date.now()).toBeGreaterThan(0);
  });
});

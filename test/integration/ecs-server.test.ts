// `exec --ecs-server` end to end: the built CLI serves refreshing credentials to real
// clients (boto3, the JS SDK v3 default chain, the aws CLI) from the local STS.

import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { refreshLeadMs } from '../../src/adapters/ecs-server.js';
import { ROOT, type Sandbox } from '../support/cli.js';
import { CALLER_IDENTITY } from '../support/children.js';
import type { FakeSts, FakeUser } from '../support/fake-sts.js';
import { ini, roleProfile, stsSandbox, type StsSandbox } from '../support/fixture.js';
import { advanceDuring, createTestClock, type TestClock } from '../support/test-clock.js';

const ACCOUNT = '210987654321';
const KEY_ID = 'AKIAECSSERVEREXAMPLE';
const SECRET = 'EcsServerSecretKeyForTestsOnly/0123456789';
// A device of this file's own, so codes used here never collide with other files'.
const TOTP = 'MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK';
const MFA = `arn:aws:iam::${ACCOUNT}:mfa/ECS_MFA`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ECS_ROLE`;
const SHORT_ROLE = `arn:aws:iam::${ACCOUNT}:role/SHORT_ROLE`;
const CLIENTS = join(ROOT, 'test/support/fixtures/clients');

const USER: FakeUser = {
  userName: 'ecs_user',
  accountId: ACCOUNT,
  accessKeyId: KEY_ID,
  secretAccessKey: SECRET,
  mfaSerial: MFA,
  totpSecret: TOTP,
};

let env: StsSandbox;
let sts: FakeSts;
let box: Sandbox;
// The refresh test runs its 20 s on this clock (4x real time); the other tests leave it alone.
let clock: TestClock;

beforeAll(async () => {
  const region = 'eu-central-1';
  clock = await createTestClock();
  env = await stsSandbox({
    clock,
    users: [USER],
    roles: [
      { roleArn: ROLE, requireMfa: true },
      { roleArn: SHORT_ROLE, requireMfa: true },
    ],
    config: ini({
      ecs_user: { region },
      ecs: roleProfile({ role: ROLE, source: 'ecs_user', mfa: MFA, process: 'totp-code', region }),
      short: roleProfile({ role: SHORT_ROLE, source: 'ecs_user', mfa: MFA, process: 'totp-code', region }),
    }),
    keys: { ecs_user: USER },
  });
  ({ sts, box } = env);
});
afterAll(async () => {
  await env?.cleanup();
  await clock?.cleanup();
});
beforeEach(() => sts.resetCalls());

const assumed = (role: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/`;

/** True when nothing listens on the port of `url` any more. */
function portClosed(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe('exec --ecs-server', () => {
  it('serves boto3 through its container provider, with no static keys in the environment', async () => {
    const r = await box.run(['exec', 'ecs', '--ecs-server', '--', 'python3', join(CLIENTS, 'boto3-identity.py')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^${assumed('ECS_ROLE')}mfa-exec-\\d+$`));
    const env = await box.run(['exec', 'ecs', '--ecs-server', '--', 'print-env']);
    expect(env.code).toBe(0);
    expect(env.stdout).toMatch(/^AWS_CONTAINER_CREDENTIALS_FULL_URI=http:\/\/127\.0\.0\.1:\d+\/role-credentials$/m);
    expect(env.stdout).toMatch(/^AWS_CONTAINER_AUTHORIZATION_TOKEN=[\w-]{43}$/m);
    expect(env.stdout).not.toMatch(/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)=/m);
    expect(env.stdout).toMatch(/^AWS_REGION=eu-central-1$/m);
  });

  it('serves the JS SDK v3 default chain and the aws CLI', async () => {
    const js = await box.run(['exec', 'ecs', '--ecs-server', '--', process.execPath, join(CLIENTS, 'js-identity.mjs')]);
    expect(js.stderr).toBe('');
    expect(js.code).toBe(0);
    expect(js.stdout.trim()).toContain(assumed('ECS_ROLE'));
    const cli = await box.run(['exec', 'ecs', '--ecs-server', '--', ...CALLER_IDENTITY]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).Arn).toContain(assumed('ECS_ROLE'));
    // The cached role credentials served all three runs: no new STS call.
    expect(sts.count('AssumeRole')).toBe(0);
  });

  it('refuses a missing or wrong token, a foreign Host, other methods and paths; closes the port when the child exits', async () => {
    const r = await box.run(
      ['exec', 'ecs', '--ecs-server', '--debug', '--', process.execPath, join(CLIENTS, 'raw-http.mjs')],
      {
        env: { LATENCY_REQUESTS: '300' },
      },
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.good).toBe(200);
    expect(out.keys).toEqual(['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
    expect(out.accessKeyPrefix).toBe('ASIA');
    expect(out.expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(out.tokenLength).toBeGreaterThanOrEqual(43);
    for (const refused of [out.noToken, out.wrongToken, out.wrongHost]) {
      expect(refused.status).toBe(403);
      expect(refused.body).not.toMatch(/ASIA|SecretAccessKey|Token"/);
      expect(JSON.parse(refused.body).code).toBe('AccessDenied');
    }
    expect(out.localhostHost).toBe(200);
    expect(out.post.status).toBe(405);
    expect(out.wrongPath.status).toBe(404);
    // Every request is logged with --debug, without a secret.
    expect(r.stderr).toMatch(/ecs-server: GET \/role-credentials 200/);
    expect(r.stderr).toMatch(/ecs-server: GET \/role-credentials 403/);
    expect(r.stderr).not.toMatch(/ASIA[A-Z0-9]{16}/);
    expect(await portClosed(out.url)).toBe(true);
    // Figures for the closing note (no timing assertion: the machine may be loaded).
    process.stdout.write(
      `ecs-server latency over ${out.latencyMs.n} requests: p50 ${out.latencyMs.p50.toFixed(2)} ms, p99 ${out.latencyMs.p99.toFixed(2)} ms, max ${out.latencyMs.max.toFixed(2)} ms\n`,
    );
  });

  it("passes the child's exit status through", async () => {
    const r = await box.run(['exec', 'ecs', '--ecs-server', '--', 'exit-with', '7']);
    expect(r.code).toBe(7);
  });

  it('refreshes short-lived credentials ahead of expiry: every answer has at least the refresh lead left', async () => {
    // A long MFA session first (cached), so refreshes only need AssumeRole with it, as in real use.
    const warm = await box.run(['exec', 'ecs', '--', 'exit-with', '0']);
    expect(warm.code).toBe(0);
    sts.resetCalls();
    const lifetime = 9;
    const seconds = 20;
    sts.setCredentialLifetime(lifetime);
    try {
      // The poller's 20 s (its Date and timers) are virtual: the shared clock runs 3x real time.
      const r = await advanceDuring(
        clock,
        box.run(['exec', 'short', '--ecs-server', '--', process.execPath, join(CLIENTS, 'ecs-poll.mjs')], {
          env: { POLL_SECONDS: String(seconds) },
        }),
        { stepMs: 75 },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const { responses } = JSON.parse(r.stdout) as {
        responses: { at: number; status: number; expiration: number; key: string }[];
      };
      expect(responses.length).toBeGreaterThan(seconds * 2);
      // The server refreshes when refreshLeadMs(remaining) is left (a third of 9 s): every answer,
      // including those while a refresh is on its way, keeps that much, less 2 s of the shared clock
      // (~670 ms real) for the refresh's own STS round trip on a loaded machine (1.5 s at 4x real
      // time once failed by 115 ms). Refreshing at expiry fails here.
      const floor = refreshLeadMs(lifetime * 1000) - 2000;
      for (const x of responses) {
        expect(x.status).toBe(200);
        expect(x.expiration - x.at, `answer at ${new Date(x.at).toISOString()}`).toBeGreaterThanOrEqual(floor);
      }
      const keys = new Set(responses.map((x) => x.key));
      const roleCredentials = sts.count('AssumeRole');
      process.stdout.write(
        `refresh test: ${responses.length} answers, ${keys.size} credentials served, ${roleCredentials} AssumeRole, least time left ${Math.min(...responses.map((x) => x.expiration - x.at))} ms (floor ${floor} ms)\n`,
      );
      // 20 s of 9 s credentials: at least two refreshes, each served.
      expect(keys.size).toBeGreaterThanOrEqual(3);
      expect(roleCredentials).toBeGreaterThanOrEqual(3);
      // No new MFA session, hence no MFA code, was needed for the refreshes.
      expect(sts.count('GetSessionToken')).toBe(0);
    } finally {
      sts.setCredentialLifetime(undefined);
    }
  });
});

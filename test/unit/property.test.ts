// Property tests (fast-check): random profile graphs and random config text, through
// parseAwsFiles → resolveChain → planCredentials, never end in an untyped error or a hang:
// every outcome is a chain and a plan, or an MfaExecError with a message and a hint.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { profileNames, resolveChain, type Chain } from '../../src/core/config.js';
import { MfaExecError } from '../../src/core/errors.js';
import { planCredentials, type PlanOptions } from '../../src/core/plan.js';
import { parseTexts } from '../support/aws-texts.js';

const NAMES = ['a', 'b', 'c', 'd', 'default', 'prod-admin', 'x.y'];

const value = (good: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 4, arbitrary: good },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')) },
  );

/** One profile's settings: each key present or not, mostly well-formed values, sometimes junk. */
const profileSettings = fc.record(
  {
    role_arn: value(fc.constantFrom('arn:aws:iam::123456789012:role/R', 'arn:aws-cn:iam::123456789012:role/path/R2')),
    source_profile: fc.constantFrom(...NAMES, 'missing'),
    credential_source: fc.constantFrom('Environment', 'Ec2InstanceMetadata'),
    mfa_serial: value(fc.constantFrom('arn:aws:iam::123456789012:mfa/dev', 'GAHT12345678')),
    duration_seconds: value(fc.integer({ min: 0, max: 50_000 }).map(String)),
    role_session_name: fc.constantFrom('s', 'me@example'),
    external_id: fc.constantFrom('ext-1'),
    mfa_process: fc.constantFrom('totp-code'),
    credential_process: fc.constantFrom('print-creds --json'),
    region: fc.constantFrom('eu-west-1', 'us-east-1'),
    aws_access_key_id: fc.constantFrom('AKIAIOSFODNN7EXAMPLE'),
    aws_secret_access_key: fc.constantFrom('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'),
  },
  { requiredKeys: [] },
);

/** A graph of profiles: which names exist in config and credentials, with what settings. */
const graph = fc.record({
  config: fc.dictionary(fc.constantFrom(...NAMES), profileSettings, { maxKeys: NAMES.length }),
  credentials: fc.dictionary(
    fc.constantFrom(...NAMES),
    fc.record(
      {
        aws_access_key_id: fc.constant('AKIAIOSFODNN7EXAMPLE'),
        aws_secret_access_key: fc.constant('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'),
      },
      { requiredKeys: [] },
    ),
    { maxKeys: 3 },
  ),
});

const planOptions: fc.Arbitrary<PlanOptions> = fc.record(
  {
    durationSeconds: fc.integer({ min: 0, max: 200_000 }),
    sessionDurationSeconds: fc.integer({ min: 0, max: 200_000 }),
    noSession: fc.boolean(),
  },
  { requiredKeys: [] },
);

const render = (sections: Record<string, Record<string, string>>, header: (n: string) => string) =>
  Object.entries(sections)
    .map(
      ([name, kv]) =>
        `${header(name)}\n${Object.entries(kv)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
    )
    .join('\n');

/** The outcome of resolving every profile: 'ok' with the chain, or the typed error; anything else fails the property. */
function outcome(run: () => Chain): 'ok' | 'typed' {
  try {
    const chain = run();
    expect(chain.roles.every((r) => r.roleArn.length > 0)).toBe(true);
    return 'ok';
  } catch (e) {
    if (!(e instanceof MfaExecError)) throw new Error(`untyped error: ${String(e)}`, { cause: e });
    expect(e.message).not.toMatch(/\n/);
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.hint ?? '').not.toMatch(/\n/);
    return 'typed';
  }
}

describe('random profile graphs → chain → plan', () => {
  it('every profile resolves to a chain and a plan, or to an MfaExecError', () => {
    const seen = { ok: 0, typed: 0, plans: 0 };
    fc.assert(
      fc.property(graph, planOptions, (g, opts) => {
        const config = render(g.config, (n) => (n === 'default' ? '[default]' : `[profile ${n}]`));
        const credentials = render(g.credentials, (n) => `[${n}]`);
        const files = parseTexts(config, credentials);
        for (const name of [...profileNames(files), 'missing']) {
          const started = Date.now();
          const result = outcome(() => {
            const chain = resolveChain(files, name);
            // A chain never repeats a role profile (cycles are errors) and is as long as the graph at most.
            expect(chain.roles.length).toBeLessThanOrEqual(NAMES.length);
            expect(new Set(chain.roles.map((r) => r.profile)).size).toBe(chain.roles.length);
            const plan = planCredentials(chain, opts);
            expect(plan.resultItem.length).toBeGreaterThan(0);
            if (chain.roles.length > 0) expect(plan.roleSeconds).toBeGreaterThanOrEqual(900);
            seen.plans++;
            return chain;
          });
          seen[result]++;
          expect(Date.now() - started).toBeLessThan(1000);
        }
      }),
      { numRuns: 600 },
    );
    // Both kinds of outcome really happen: the generator covers good and bad graphs.
    expect(seen.plans).toBeGreaterThan(50);
    expect(seen.typed).toBeGreaterThan(50);
  });

  it('random config text: parsed and resolved, or an MfaExecError naming the file and line', () => {
    const line = fc.oneof(
      fc.constantFrom(
        '[profile a]',
        '[profile b]',
        '[default]',
        '[a]',
        '[profile a',
        '[]',
        '[sso-session s]',
        '[services s]',
        '  sts =',
        '    endpoint_url = http://127.0.0.1:1',
        '# comment',
        '; comment',
        '',
      ),
      fc.constantFrom(
        'role_arn = arn:aws:iam::123456789012:role/R',
        'source_profile = a',
        'source_profile = b',
        'mfa_serial = arn:aws:iam::123456789012:mfa/m',
        'duration_seconds = 3600',
        'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
      ),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.constantFrom('\n', '\r\n'), planOptions, (lines, eol, opts) => {
        const text = lines.join(eol);
        let files;
        try {
          files = parseTexts(text);
        } catch (e) {
          if (!(e instanceof MfaExecError)) throw new Error(`untyped error: ${String(e)}`, { cause: e });
          expect(e.message).toMatch(/^~\/\.aws\/config:\d+: /);
          return;
        }
        for (const name of profileNames(files))
          outcome(() => (planCredentials(resolveChain(files, name), opts), resolveChain(files, name)));
      }),
      { numRuns: 1000 },
    );
  });
});

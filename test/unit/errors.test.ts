// core/errors.ts: what an error carries to the one stderr line (cli/errors.ts), and which AWS
// answers count as a rejected MFA code (asked again) rather than a refused request.

import { describe, expect, it } from 'vitest';
import { AwsCallError, MfaExecError, isMfaCodeRejected } from '../../src/core/errors.js';

describe('MfaExecError', () => {
  it('is named MfaExecError, with its kind, hint and the exit code of its kind', () => {
    const e = new MfaExecError('usage', 'bad flag', { hint: 'fix it' });
    expect(e.name).toBe('MfaExecError');
    expect(String(e)).toBe('MfaExecError: bad flag');
    expect([e.kind, e.message, e.hint, e.exitCode]).toEqual(['usage', 'bad flag', 'fix it', 2]);
    expect(new MfaExecError('interrupted', 'x').exitCode).toBe(130);
    expect(new MfaExecError('mfa', 'x').exitCode).toBe(1);
    expect(new MfaExecError('child', 'x', { exitCode: 7 }).exitCode).toBe(7);
  });

  it('keeps the cause it is given, and has none otherwise', () => {
    const cause = new Error('underneath');
    expect(new MfaExecError('sts', 'x', { cause }).cause).toBe(cause);
    expect(Object.hasOwn(new MfaExecError('sts', 'x'), 'cause')).toBe(false);
  });
});

describe('AwsCallError', () => {
  it("says AWS's code and message unless given a message of its own; keeps both for decisions", () => {
    const e = new AwsCallError('AccessDenied', 'not authorized');
    expect(e.message).toBe('AWS answered AccessDenied: not authorized');
    expect([e.kind, e.code, e.awsMessage]).toEqual(['sts', 'AccessDenied', 'not authorized']);
    const told = new AwsCallError('AccessDenied', 'not authorized', { message: 'role "dev" refused you', hint: 'h' });
    expect([told.message, told.hint, told.awsMessage]).toEqual(['role "dev" refused you', 'h', 'not authorized']);
  });
});

describe('isMfaCodeRejected', () => {
  it('is an AccessDenied about the MFA code, in the wordings STS uses', () => {
    for (const m of [
      'MultiFactorAuthentication failed with invalid MFA one time pass code.',
      'Invalid one time passcode',
      'MFA failed',
    ])
      expect(isMfaCodeRejected(new AwsCallError('AccessDenied', m))).toBe(true);
  });

  it('is not another AccessDenied, another code mentioning MFA, or an error that is not an AWS answer', () => {
    expect(isMfaCodeRejected(new AwsCallError('AccessDenied', 'not authorized to perform: sts:AssumeRole'))).toBe(
      false,
    );
    expect(isMfaCodeRejected(new AwsCallError('ExpiredToken', 'MultiFactorAuthentication expired'))).toBe(false);
    expect(isMfaCodeRejected({ code: 'AccessDenied', awsMessage: 'MFA failed' })).toBe(false);
    expect(isMfaCodeRejected(new MfaExecError('mfa', 'MFA failed'))).toBe(false);
  });
});

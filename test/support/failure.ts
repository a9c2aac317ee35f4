// The error a promise rejects with, checked to be mfa-exec's own (MfaExecError).

import { expect } from 'vitest';
import { MfaExecError } from '../../src/core/errors.js';

/** The MfaExecError `p` rejects with; a test failure if it resolves or rejects with anything else. */
export async function failure(p: Promise<unknown>): Promise<MfaExecError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MfaExecError);
    return e as MfaExecError;
  }
  throw new Error('expected an MfaExecError');
}

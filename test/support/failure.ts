// The error a promise rejects with, or a function throws, checked to be mfa-exec's own (MfaExecError).

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

/** The MfaExecError `fn` throws; a test failure if it returns or throws anything else. */
export function thrown(fn: () => unknown): MfaExecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MfaExecError);
    return e as MfaExecError;
  }
  throw new Error('expected an MfaExecError');
}

// Typed errors: every failure a user can meet is one of these, carrying its
// exit code and a hint, and is turned into one stderr line in cli/errors.ts.

export type ErrorKind =
  | 'usage'
  | 'config'
  | 'profile-not-found'
  | 'no-stored-key'
  | 'store'
  | 'mfa'
  | 'sts'
  | 'child'
  | 'nested'
  | 'interrupted'
  | 'internal';

/** Exit status for each kind: usage errors exit 2, the rest 1 unless set. */
const EXIT: Partial<Record<ErrorKind, number>> = { usage: 2, interrupted: 130 };

/** A failure with a one-line `message` (what went wrong) and a `hint` (how to fix it). */
export class MfaExecError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(kind: ErrorKind, message: string, options: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MfaExecError';
    this.kind = kind;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT[kind] ?? 1;
  }
}

/** True when `e` is one of ours. */
export function isMfaExecError(e: unknown): e is MfaExecError {
  return e instanceof MfaExecError;
}

/** An error answer from STS or IAM: AWS's error `code` and its own message, kept for decisions; `message` may say it for the user. */
export class AwsCallError extends MfaExecError {
  readonly code: string;
  readonly awsMessage: string;

  constructor(code: string, awsMessage: string, options: { hint?: string; cause?: unknown; message?: string } = {}) {
    super('sts', options.message ?? `AWS answered ${code}: ${awsMessage}`, options);
    this.code = code;
    this.awsMessage = awsMessage;
  }
}

/** True when AWS rejected the MFA code itself (wrong, expired or reused), not the request. */
export function isMfaCodeRejected(e: unknown): boolean {
  return (
    e instanceof AwsCallError &&
    e.code === 'AccessDenied' &&
    /MultiFactorAuthentication|one time pass ?code|MFA/i.test(e.awsMessage)
  );
}

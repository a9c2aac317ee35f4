// A source profile's credential_process: run through the shell, its stdout is the
// credential_process JSON (Version 1), as the AWS CLI and SDKs define it.

import { spawn } from 'node:child_process';
import { MfaExecError } from '../core/errors.js';
import type { Credentials } from '../core/types.js';

/** Credentials printed by `command`; a one-line error names the profile when it fails. */
export function runCredentialProcess(
  command: string,
  profile: string,
  env: Record<string, string | undefined>,
): Promise<Credentials> {
  const fail = (what: string, cause?: unknown) =>
    new MfaExecError('config', `credential_process of profile "${profile}" ${what}`, {
      hint: 'run the command by hand; it must print {"Version": 1, "AccessKeyId", "SecretAccessKey", …}',
      cause,
    });
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', (e) => reject(fail('could not be run', e)));
    child.on('close', (code) => {
      if (code !== 0) return reject(fail(`exited with status ${code}`));
      try {
        const j = JSON.parse(out) as {
          Version?: number;
          AccessKeyId?: string;
          SecretAccessKey?: string;
          SessionToken?: string;
          Expiration?: string;
        };
        if (j.Version !== 1 || !j.AccessKeyId || !j.SecretAccessKey)
          return reject(fail('printed JSON without Version 1, AccessKeyId and SecretAccessKey'));
        resolve({
          accessKeyId: j.AccessKeyId,
          secretAccessKey: j.SecretAccessKey,
          sessionToken: j.SessionToken,
          expiration: j.Expiration ? new Date(j.Expiration) : undefined,
        });
      } catch (e) {
        reject(fail('did not print JSON', e));
      }
    });
  });
}

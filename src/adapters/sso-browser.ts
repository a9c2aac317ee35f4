// Opening the IAM Identity Center verification page for the device authorization flow.
// The page's URL carries the user code, which is not a secret (it only names the sign-in
// the user confirms; the device code that redeems it never leaves mfa-exec), so it may be
// an argument of the browser, as `aws sso login` does. The browser gets no MFA_EXEC_*
// variable (above all not MFA_EXEC_FILE_PASSPHRASE).

import { spawn } from 'node:child_process';
import type { Logger } from '../core/types.js';
import { browserCommand } from './federation.js';

/**
 * Open `url` with $BROWSER (as Python's webbrowser reads it: the first of a ':'-separated
 * list, `%s` replaced by the URL or the URL appended), else, at a terminal, the platform's
 * opener. Never fails: the URL and code are on the terminal already.
 */
export async function openSsoVerificationPage(
  url: string,
  opts: { env: Record<string, string | undefined>; logger: Logger; interactive: boolean },
): Promise<void> {
  const words = (opts.env.BROWSER ?? '')
    .split(':')
    .find((b) => b.trim() !== '')
    ?.trim()
    .split(/\s+/);
  let command: string;
  let args: string[];
  if (words && words[0]) {
    command = words[0];
    const rest = words.slice(1);
    args = rest.some((w) => w.includes('%s')) ? rest.map((w) => w.replaceAll('%s', url)) : [...rest, url];
  } else if (opts.interactive) {
    ({ command, args } = browserCommand(process.platform));
    args = [...args, url];
  } else {
    return;
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined && !k.startsWith('MFA_EXEC_')) env[k] = v;
  await new Promise<void>((resolve) => {
    const child = spawn(command, args, { env, stdio: 'ignore', detached: true });
    child.once('error', (e: NodeJS.ErrnoException) => {
      opts.logger.debug(`could not open a browser with ${command}: ${e.code ?? e.message}`);
      resolve();
    });
    child.once('spawn', () => {
      opts.logger.debug(`opened the verification page with ${command}`);
      child.unref();
      resolve();
    });
  });
}

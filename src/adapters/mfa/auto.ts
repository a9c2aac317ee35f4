// The automatic choice of an MFA code source when neither --prompt nor MFA_EXEC_PROMPT is set.

import { closeSync, openSync } from 'node:fs';
import { guiDriver, type DialogDriver } from './dialog.js';

/** mfa_process when the profile has one; else the terminal when /dev/tty opens; else a GUI prompt; else 'terminal' (which fails, naming the ways to give a code). */
export function autoDriver(o: {
  mfaProcess?: string;
  env: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  hasTerminal?: () => boolean;
}): 'process' | 'terminal' | DialogDriver {
  if (o.mfaProcess) return 'process';
  if ((o.hasTerminal ?? terminalOpens)()) return 'terminal';
  return guiDriver(o.env, o.platform) ?? 'terminal';
}

function terminalOpens(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return true;
  } catch {
    return false;
  }
}

// GUI prompts for an MFA code when there is no terminal (credential_process started
// by an IDE, a desktop app): osascript on macOS, zenity or kdialog on Linux desktops.

import { MfaExecError } from '../../core/errors.js';
import type { MfaCodeSource } from '../../core/types.js';
import { lastLine, onPath, runProgram } from './program.js';

/** The GUI prompt drivers. */
export type DialogDriver = 'osascript' | 'zenity' | 'kdialog';

/** How long a dialog may stay open before it is closed and the run fails. */
const DIALOG_TIMEOUT_MS = 120_000;
const TITLE = 'mfa-exec';

const DRIVERS: Record<
  DialogDriver,
  { args: (text: string) => string[]; code: (stdout: string) => string | undefined; install: string }
> = {
  osascript: {
    // Prints "button returned:OK, text returned:123456".
    args: (text) => [
      '-e',
      `display dialog "${appleScriptText(text)}" default answer "" with hidden answer with title "${TITLE}" buttons {"Cancel", "OK"} default button "OK" cancel button "Cancel"`,
    ],
    code: (stdout) => stdout.match(/text returned:(.*)$/m)?.[1],
    install: 'osascript comes with macOS; on other systems choose another --prompt',
  },
  zenity: {
    args: (text) => ['--entry', '--hide-text', `--title=${TITLE}`, `--text=${text}`],
    code: (stdout) => stdout,
    install: 'install the zenity package, or choose another --prompt',
  },
  kdialog: {
    args: (text) => ['--title', TITLE, '--password', text],
    code: (stdout) => stdout,
    install: 'install the kdialog package, or choose another --prompt',
  },
};

/** Asks a person in a GUI dialog with hidden input; Cancel → 'interrupted' (exit 130). */
export function dialogSource(
  driver: DialogDriver,
  env: Record<string, string | undefined>,
  opts: { timeoutMs?: number } = {},
): MfaCodeSource {
  const d = DRIVERS[driver];
  return {
    name: driver,
    interactive: true,
    maxTries: 3,
    async getCode(mfaSerial, attempt) {
      const text = `${attempt > 1 ? 'Try again. ' : ''}Enter the MFA code for ${mfaSerial}`;
      const r = await runProgram(driver, d.args(text), {
        env,
        timeoutMs: opts.timeoutMs ?? DIALOG_TIMEOUT_MS,
        installHint: d.install,
      });
      if (r.timedOut) {
        throw new MfaExecError(
          'mfa',
          `no answer in the ${driver} dialog within ${Math.round((opts.timeoutMs ?? DIALOG_TIMEOUT_MS) / 1000)} s`,
          {
            hint: 'run again and enter the code, or give it with --mfa-token CODE',
          },
        );
      }
      if (r.status === 1) {
        throw new MfaExecError('interrupted', `the ${driver} dialog for the MFA code was cancelled`, {
          hint: 'nothing was cached; run again to enter the code',
        });
      }
      if (r.status !== 0) {
        const why = lastLine(r.stderr);
        throw new MfaExecError('mfa', `${driver} exited with status ${r.status ?? 'unknown'}${why ? `: ${why}` : ''}`, {
          hint: `check that ${driver} can open a window here, or choose another --prompt`,
        });
      }
      const code = d.code(r.stdout);
      if (code === undefined)
        throw new MfaExecError('mfa', `${driver} printed no answer`, { hint: 'choose another --prompt' });
      return code.trim();
    },
  };
}

/** The GUI prompt this desktop offers: osascript on macOS; with DISPLAY or WAYLAND_DISPLAY, zenity, else kdialog, when on PATH. */
export function guiDriver(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
): DialogDriver | undefined {
  if (platform === 'darwin') return 'osascript';
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return (['zenity', 'kdialog'] as const).find((p) => onPath(p, env));
}

/** `text` inside an AppleScript string literal. */
function appleScriptText(text: string): string {
  return text.replace(/[\\"]/g, (c) => `\\${c}`);
}

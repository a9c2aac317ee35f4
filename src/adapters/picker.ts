// The interactive profile picker (issue 14 item 8): a type-to-filter list on the terminal, as
// granted's `assume` offers. @inquirer/search is loaded only here, when `mfa-exec` runs with no
// profile at a terminal, so it costs nothing on any other path.

import { closeSync, openSync } from 'node:fs';
import { MfaExecError } from '../core/errors.js';
import { moduleExports } from './module-exports.js';

/** One entry of the list: the profile and a short description (its role or kind). */
export interface PickerChoice {
  name: string;
  description: string;
}

/** Whether the process has a terminal to show the picker on. */
export function hasTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/** Ask on /dev/tty (never stdout) which profile to use; Ctrl-C or Esc → 'interrupted' (exit 130). */
export async function pickProfile(choices: PickerChoice[]): Promise<string> {
  const [m, { ReadStream, WriteStream }] = await Promise.all([import('@inquirer/search'), import('node:tty')]);
  // The package's export is its default; bundled, the module sits one level further down.
  const search = moduleExports(m, 'default').default;
  const input = new ReadStream(openSync('/dev/tty', 'r'));
  const output = new WriteStream(openSync('/dev/tty', 'w'));
  try {
    return await search(
      {
        message: 'Profile (type to filter)',
        pageSize: 12,
        source: (term) => {
          const t = (term ?? '').toLowerCase();
          return choices
            .filter((c) => c.name.toLowerCase().includes(t))
            .map((c) => ({ value: c.name, name: c.name, description: c.description }));
        },
      },
      { input, output, clearPromptOnDone: false },
    );
  } catch (e) {
    if ((e as { name?: string }).name === 'ExitPromptError' || (e as { name?: string }).name === 'AbortPromptError') {
      throw new MfaExecError('interrupted', 'no profile was chosen', {
        hint: 'name one: `mfa-exec PROFILE -- COMMAND`',
      });
    }
    throw e;
  } finally {
    input.destroy();
    output.destroy();
  }
}

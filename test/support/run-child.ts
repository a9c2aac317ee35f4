// Test runner for adapters/child.ts, bundled by test/support/global-setup.ts: `node <bundle> -- CMD [ARGS...]`
// runs CMD through runChild with this process's environment and exits with its status.
// Prints nothing of its own except an MfaExecError as the CLI's one stderr line.

import { runChild } from '../../src/adapters/child.js';
import { isMfaExecError } from '../../src/core/errors.js';

const [separator, command, ...args] = process.argv.slice(2);
if (separator !== '--' || command === undefined) {
  process.stderr.write('usage: run-child.ts -- CMD [ARGS...]\n');
  process.exit(2);
}
const env: Record<string, string> = {};
for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
try {
  process.exit(await runChild({ command, args, env }));
} catch (error) {
  if (!isMfaExecError(error)) throw error;
  process.stderr.write(`mfa-exec: ${error.message} (${error.hint})\n`);
  process.exit(error.exitCode);
}

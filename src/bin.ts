#!/usr/bin/env node
// mfa-exec: the executable. Runtime warnings (such as the AWS SDK's Node version notice)
// never reach the user's terminal; everything else happens in cli/main.

import { flushStdout, main } from './cli/main.js';

process.removeAllListeners('warning');
process.on('warning', () => undefined);

// Exit at once (no handle may keep a finished CLI alive), after stdout has been flushed.
// (No top-level await: the single executable's bundle is CommonJS.)
void main(process.argv.slice(2)).then(async (status) => {
  await flushStdout();
  process.exit(status);
});

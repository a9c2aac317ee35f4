#!/usr/bin/env node
// mfa-exec: the executable. Runtime warnings (such as the AWS SDK's Node version notice)
// never reach the user's terminal; everything else happens in cli/main.

import { flushStdout, main } from './cli/main.js';

process.removeAllListeners('warning');
process.on('warning', () => undefined);

const status = await main(process.argv.slice(2));
// Exit at once (no handle may keep a finished CLI alive), after stdout has been flushed.
await flushStdout();
process.exit(status);

// Bench reference (not mfa-exec): the least any Node program running a command must do:
// spawn it with the terminal's stdio, wait, exit with its status. `node ref-spawn.cjs CMD...`
const { spawn } = require('node:child_process');
const [cmd, ...args] = process.argv.slice(2);
spawn(cmd, args, { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 1));

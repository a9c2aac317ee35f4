// Bench reference (not mfa-exec): ref-spawn plus the least a warm run on the keychain must do:
// read one item from the Secret Service the way mfa-exec reads it (src/adapters/secret-service.ts,
// bundled alone by the bench, passed as READER), then spawn.
// `node ref-keychain.cjs READER SERVICE ITEM CMD...`
const { spawn } = require('node:child_process');
const [reader, service, item, cmd, ...args] = process.argv.slice(2);
require(reader)
  .readSecretDirect(service, item, process.env)
  .then((value) => {
    const { credentials } = JSON.parse(value);
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    };
    spawn(cmd, args, { stdio: 'inherit', env }).on('exit', (code) => process.exit(code ?? 1));
  });

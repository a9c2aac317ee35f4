// Bench reference (not mfa-exec): ref-spawn plus the least a warm run on the keychain must do:
// load this platform's keyring binding (directly, as mfa-exec does) and read one item from the
// Secret Service, then spawn.
// `node ref-keychain.cjs SERVICE ITEM CMD...`
const { Entry } = require(`@napi-rs/keyring-linux-${process.arch}-gnu`);
const { spawn } = require('node:child_process');
const [service, item, cmd, ...args] = process.argv.slice(2);
const { credentials } = JSON.parse(new Entry(service, item, { linux: { store: 'secret-service' } }).getPassword());
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
};
spawn(cmd, args, { stdio: 'inherit', env }).on('exit', (code) => process.exit(code ?? 1));

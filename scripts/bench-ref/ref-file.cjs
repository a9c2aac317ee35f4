// Bench reference (not mfa-exec): ref-spawn plus the least a warm run of the two-tier file
// store must do: read the cache file and its runtime key, AES-256-GCM open, parse, then spawn.
// `node ref-file.cjs STORE_DIR RUNTIME_DIR ITEM CMD...` (the file format is file-store.ts's).
const { readFileSync } = require('node:fs');
const { createDecipheriv } = require('node:crypto');
const { join } = require('node:path');
const { spawn } = require('node:child_process');
const [store, runtime, item, cmd, ...args] = process.argv.slice(2);
const sealed = readFileSync(join(store, 'cache.enc'));
const header = sealed.subarray(0, 36);
const id = sealed.subarray(8, 24).toString('hex');
const key = readFileSync(join(runtime, 'mfa-exec', 'store-keys', `${id}.key`));
const d = createDecipheriv('aes-256-gcm', key, header.subarray(24, 36));
d.setAAD(header);
d.setAuthTag(sealed.subarray(sealed.length - 16));
const items = new Map(
  JSON.parse(Buffer.concat([d.update(sealed.subarray(36, sealed.length - 16)), d.final()]).toString()),
);
const { credentials } = JSON.parse(items.get(item));
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
};
spawn(cmd, args, { stdio: 'inherit', env }).on('exit', (code) => process.exit(code ?? 1));

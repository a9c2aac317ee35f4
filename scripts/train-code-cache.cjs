// Build step (scripts/build.mjs): `node train-code-cache.cjs DIST` with HOME holding an AWS
// config with a credential_process profile "train". Runs DIST/main.js as DIST/bin.js does, for
// one `exec` of that profile (argument parsing, the AWS config, the plan, the provider tree,
// the child's environment and spawn), then writes the V8 code cache of the script (its top
// level and every function that ran) to DIST/main.js.cache. Then loads every DIST/vendor file
// through main.js's require and writes each one's cache (its top level and module set-up) to
// DIST/vendor/NAME.cjs.cache. Not shipped.
'use strict';
const { readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dist = process.argv[2];
process.argv = [process.argv[0], join(dist, 'bin.js'), 'train', '--', 'true'];
const trained = require(join(dist, 'bin.js')).run(dist, undefined);
process.on('exit', () => {
  for (const name of readdirSync(join(dist, 'vendor'))) if (name.endsWith('.cjs')) trained.require(`./vendor/${name}`);
  for (const [file, script] of trained.scripts) writeFileSync(`${file}.cache`, script.createCachedData());
});

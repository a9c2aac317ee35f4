// Build step (scripts/build.mjs): `node train-code-cache.cjs DIST` with HOME holding an AWS
// config with a credential_process profile "train". Runs DIST/main.js as DIST/bin.js does, for
// one `exec` of that profile (argument parsing, the AWS config, the plan, the provider tree,
// the child's environment and spawn), then writes the V8 code cache of the script (its top
// level and every function that ran) to DIST/main.js.cache. Not shipped.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dist = process.argv[2];
process.argv = [process.argv[0], join(dist, 'bin.js'), 'train', '--', 'true'];
const script = require(join(dist, 'bin.js')).run(dist);
process.on('exit', () => writeFileSync(join(dist, 'main.js.cache'), script.createCachedData()));

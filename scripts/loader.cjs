#!/usr/bin/env node
// dist/bin.js: runs the CLI bundle (dist/main.js) with the V8 code cache the build made for it
// (dist/main.js.cache, by scripts/train-code-cache.cjs), so a run compiles little of it again.
// V8 takes the cache only if it fits this Node, these flags and this text; otherwise it
// compiles the source as usual (only slower).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

/** The CommonJS function wrapper: the training run (which requires this file) uses the same text. */
const wrap = (source) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/** Compile dist/main.js (from the code cache in `cache`, when given) and run it. */
function run(dir, cache) {
  const file = join(dir, 'main.js');
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData: cache });
  const main = { exports: {} };
  script.runInThisContext()(main.exports, require, main, file, dir);
  return script;
}

if (require.main === module) {
  let cache;
  try {
    cache = readFileSync(join(__dirname, 'main.js.cache'));
  } catch {
    // a build without a cache: compile as Node would
  }
  run(__dirname, cache);
} else {
  module.exports = { run };
}

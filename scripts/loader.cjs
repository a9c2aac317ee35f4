#!/usr/bin/env node
// dist/bin.js: runs the warm path (dist/warm.js, src/cli/warm.ts) and, when it declines, the CLI
// bundle (dist/main.js), each with the V8 code cache the build made for it (NAME.cache, by
// scripts/train-code-cache.cjs), so a run compiles little of them again. A warm run loads only
// warm.js (~45 KB instead of ~180 KB).
// The packages main.js loads on first use (dist/vendor/*.cjs: the AWS SDK clients, otplib, …)
// are compiled the same way, with their own cache where the build made one (NAME.cjs.cache;
// scripts/train-code-cache.cjs says which): the STS client alone takes ~60 ms more without one.
// V8 takes a cache only if it fits this Node, these flags and this text; otherwise it
// compiles the source as usual (only slower).
'use strict';
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

/** The CommonJS function wrapper: the training run (which requires this file) uses the same text. */
const wrap = (source) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/** The contents of `file`, or undefined when there is none (a build without caches). */
function cacheOf(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Compile `file` (from `cachedData`, when given) as a CommonJS module, run it with `req` as its require. */
function load(file, cachedData, req) {
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, req, module, file, dirname(file));
  return { script, module };
}

/**
 * Run dist/main.js (with the code cache in `cache`, when given). Returns the scripts it compiled
 * (main.js and the vendor files it loaded), by file, and main.js's require (the training run
 * loads more vendor files with it and writes the caches).
 */
function run(dir, cache) {
  const loaded = new Map();
  /** main.js's require: a vendor file once, from its cache; anything else (node:*, the keyring binding) as usual. */
  const mainRequire = (id) => {
    if (!id.startsWith('./vendor/')) return require(id);
    const file = join(dir, id);
    if (!loaded.has(file)) loaded.set(file, load(file, cacheOf(`${file}.cache`), require));
    return loaded.get(file).module.exports;
  };
  const main = join(dir, 'main.js');
  loaded.set(main, load(main, cache, mainRequire));
  return { loaded, require: mainRequire };
}

/** Compile dist/warm.js (with the code cache in `cache`, when given); its module has runWarm. */
function loadWarm(dir, cache) {
  return load(join(dir, 'warm.js'), cache, require);
}

if (require.main === module) {
  const warm = loadWarm(__dirname, cacheOf(join(__dirname, 'warm.js.cache'))).module.exports;
  // undefined: not a warm run; main.js runs it from the start (warm.js only read).
  warm.runWarm(process.argv.slice(2), process.env).then((status) => {
    if (status === undefined) run(__dirname, cacheOf(join(__dirname, 'main.js.cache')));
    else process.exit(status);
  });
} else {
  module.exports = { run, loadWarm };
}

// What a CLI run loads beyond Node's own start-up, reported by a `--require` preload at exit:
// the built-in modules (process.moduleLoadList), the native addons (process.dlopen) and the
// bundles dist/bin.js compiles (vm.Script; none in the single executable).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from './cli.js';

const SPY = `const seen = new Set(process.moduleLoadList);
const addons = [];
const dlopen = process.dlopen;
process.dlopen = function (module, file, ...rest) {
  addons.push(require('node:path').basename(file));
  return dlopen.call(this, module, file, ...rest);
};
const scripts = [];
const vm = require('node:vm');
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(source, options) {
    super(source, options);
    scripts.push(require('node:path').basename(options.filename));
  }
};
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => !seen.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13));
  process.stderr.write('load-spy: ' + JSON.stringify({ builtins, addons, scripts }) + '\\n');
});
`;

export interface Loaded {
  builtins: string[];
  addons: string[];
  /** The file names of the bundles compiled by dist/bin.js, in order. */
  scripts: string[];
}

/** Runs `args` in `box` with the spy preloaded; resolves the run and what it loaded. */
export async function runWithLoadSpy(box: Sandbox, args: string[], env: Record<string, string | undefined> = {}) {
  const spy = join(box.dir, 'load-spy.cjs');
  await writeFile(spy, SPY);
  const run = await box.run(args, {
    env: { ...env, NODE_OPTIONS: `${box.env.NODE_OPTIONS ?? ''} --require ${spy}` },
  });
  const line = /^load-spy: (.*)$/m.exec(run.stderr);
  if (!line) throw new Error(`the load spy did not report (status ${run.code}): ${run.stderr}`);
  return { run, loaded: JSON.parse(line[1]!) as Loaded };
}

// esbuild plugin shared by the npm bundle (scripts/build.mjs) and the single executable
// (scripts/build-binary.mjs).

// Node's built-in modules are loaded lazily, on their first use, with require(). An ES
// import of a built-in loads it at start-up and builds a facade that reads every export
// (node:fs then loads its streams): ~40 ms before any work, on the hot path. Each
// built-in becomes a stand-in module whose functions load the real one when first called.
// `constants` (of node:os, node:fs) is a stand-in object whose properties are read from the
// real one on first access (read only: enough for `constants.signals.SIGINT`). Other
// non-function exports are a build error, never a silent change.
// This applies to our own sources only.
const LAZY_OBJECTS = new Set(['constants']);
export const builtinsOnDemand = {
  name: 'builtins-on-demand',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      // The require() inside a stand-in is left to Node; so are the imports of dependencies
      // (the AWS SDK and others load lazily as a whole, off the hot path).
      args.namespace === 'builtin' || args.importer.includes('/node_modules/')
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, async (args) => {
      const real = await import(args.path);
      const name = JSON.stringify(args.path);
      const lines = [`let m;`, `const load = () => (m ??= require(${name}));`];
      for (const key of Object.keys(real)) {
        if (key === 'default' || !/^[A-Za-z_$][\w$]*$/.test(key)) continue;
        if (typeof real[key] === 'function')
          lines.push(
            `export function ${key}(...a) { return new.target ? new (load().${key})(...a) : load().${key}(...a); }`,
          );
        else if (LAZY_OBJECTS.has(key))
          lines.push(
            `export const ${key} = new Proxy({}, { get: (_, k) => load().${key}[k], has: (_, k) => k in load().${key} });`,
          );
      }
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

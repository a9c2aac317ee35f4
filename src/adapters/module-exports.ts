// The exports of a package loaded with import(). In the npm bundle a package is a CommonJS
// file in dist/vendor/, require()d, and its exports may sit one level down, under `default`;
// unbundled (the tests) they are the module itself.

/** `m` when its `probe` export is a function (a class or function the package has), else `m.default`. */
export function moduleExports<T>(m: T, probe: string): T {
  return typeof (m as Record<string, unknown>)[probe] === 'function' ? m : (m as unknown as { default: T }).default;
}

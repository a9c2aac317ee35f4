// Test-only cheap key derivation, loaded from outside with `--require` (preload.cjs); the
// product has no switch for it. When $TEST_MFA_EXEC_CHEAP_KDF is 1, `crypto.scrypt` runs with
// N divided by 2^7 (the vault's N=2^17 becomes 2^10): the same function of passphrase and
// salt, ~1 ms instead of ~1 s. The suite derives the vault key a few hundred times; tests whose
// subject is the store's cost (integration/file-store.test.ts) run without it. A test process
// reading a store the CLI wrote uses `cheapLog2N` through the store's Kdf port (cli.ts).
//
// The CLI's bundles look `scrypt` up on `require('node:crypto')` when they call it, so patching
// the module object is enough. It is patched when the CLI first loads node:crypto (most runs
// never do: loading it up front cost every CLI run of the suite ~6 ms), except in the single
// executable, whose bundle loads built-in modules without the module loader this hooks.

/** The log2(N) actually used for a requested log2(N). */
const cheapLog2N = (log2N) => Math.max(4, log2N - 7);

function patch(crypto) {
  const realScrypt = crypto.scrypt;
  crypto.scrypt = function (password, salt, keylen, options, callback) {
    if (typeof options !== 'object' || options === null) return realScrypt.apply(this, arguments);
    const requested = options.N ?? options.cost;
    const N = requested ? 2 ** cheapLog2N(Math.log2(requested)) : undefined;
    const cheap = { ...options, ...(N && { N, maxmem: 256 * N * (options.r ?? 8) * (options.p ?? 1) }) };
    delete cheap.cost;
    return realScrypt.call(this, password, salt, keylen, cheap, callback);
  };
}

if (process.env.TEST_MFA_EXEC_CHEAP_KDF === '1') {
  const Module = require('node:module');
  if (require('node:sea').isSea()) patch(require('node:crypto'));
  else {
    const load = Module._load;
    Module._load = function (request) {
      const loaded = load.apply(this, arguments);
      if (request === 'node:crypto' || request === 'crypto') {
        Module._load = load;
        patch(loaded);
      }
      return loaded;
    };
  }
}

module.exports = { cheapLog2N };

// Build step (scripts/build.mjs): `node train-code-cache.cjs DIST` with HOME holding an AWS
// config with a credential_process profile "train" and a role profile "train-role". First runs
// DIST/warm.js on "train-role" (it declines) and writes DIST/warm.js.cache. Then runs
// DIST/main.js as DIST/bin.js does, for
// one `exec` of that profile (argument parsing, the AWS config, the plan, the provider tree,
// the child's environment and spawn), then writes the V8 code cache of the script (its top
// level and every function that ran) to DIST/main.js.cache. Then loads the DIST/vendor files
// that runs load often through main.js's require and writes each one's cache (its top level
// and module set-up) to DIST/vendor/NAME.cjs.cache. Not shipped.
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const dist = process.argv[2];
// The vendor files a run loads often: STS for every cold run, SSO for every cold SSO run, otplib
// for a stored TOTP seed, the picker for `mfa-exec` with no profile. The IAM client (setup,
// rotate, doctor), the OIDC client (an SSO sign-in) and the QR encoder (totp add) run seldom:
// their caches would add ~1.4 MB to the package for little.
const OFTEN = ['aws-sdk-client-sts', 'aws-sdk-client-sso', 'otplib', 'inquirer-search'];
const loader = require(join(dist, 'bin.js'));

// warm.js on a role profile, on the keychain, with a stand-in session bus that takes the
// connection and its first calls, then hangs up: it parses the words and the config, plans,
// sends its D-Bus calls, and declines when the connection closes (no reply is decoded).
const warm = loader.loadWarm(dist, undefined);
const busDir = mkdtempSync(join(tmpdir(), 'mfa-exec-train-bus-'));
const bus = createServer((socket) => socket.once('data', () => socket.destroy()));
bus.listen(join(busDir, 'bus'), async () => {
  const env = {
    ...process.env,
    MFA_EXEC_BACKEND: 'keychain',
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(busDir, 'bus')}`,
  };
  const status = await warm.module.exports.runWarm(['train-role', '--', 'true'], env);
  bus.close();
  rmSync(busDir, { recursive: true, force: true });
  if (status !== undefined) throw new Error(`train-code-cache: the warm path ran (${status}) instead of declining`);
  writeFileSync(`${join(dist, 'warm.js')}.cache`, warm.script.createCachedData());
  process.argv = [process.argv[0], join(dist, 'bin.js'), 'train', '--', 'true'];
  const trained = loader.run(dist, undefined);
  process.on('exit', () => {
    for (const name of OFTEN) trained.require(`./vendor/${name}.cjs`);
    for (const [file, { script }] of trained.loaded) writeFileSync(`${file}.cache`, script.createCachedData());
  });
});

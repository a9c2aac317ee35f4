// The test side of preload.cjs: the NODE_OPTIONS that loads it, and the key derivation a test
// process uses to read a store written by a CLI that ran with the cheap KDF.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { scryptKdf, type Kdf } from '../../src/adapters/file-store.js';

/** NODE_OPTIONS for a CLI (or node helper) run by the tests: the test-only preload. */
export const TEST_NODE_OPTIONS = `--require=${join(import.meta.dirname, 'preload.cjs')}`;

const { cheapLog2N } = createRequire(import.meta.url)('./cheap-kdf.cjs') as { cheapLog2N: (n: number) => number };

/** What a CLI with $TEST_MFA_EXEC_CHEAP_KDF=1 derives: scrypt with the cheap N. */
export const cheapKdf: Kdf = (passphrase, salt, params) =>
  scryptKdf(passphrase, salt, { ...params, log2N: cheapLog2N(params.log2N) });

// Errors are one line, `mfa-exec: what (how to fix)`: a hint with parentheses of its own would
// print nested ones ("(wait for the next code (30 s) and run again)"), which issue 14 found.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('error hints', () => {
  it('no hint written in the source has parentheses, so no error line nests them', () => {
    const nested: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/hint:\s*(['`])((?:\\.|(?!\1).)*)\1/g)) {
        const literal = m[2]!.replace(/\$\{[^}]*\}/g, '');
        if (/[()]/.test(literal)) nested.push(`${file.slice(ROOT.length + 1)}: ${m[2]}`);
      }
    }
    expect(nested).toEqual([]);
  });
});

// The order test files start in: the longest first, so that no long file starts last and runs
// alone at the end. vitest orders files that way from its results cache (node_modules/.vite),
// which a clean clone (CI) does not have; there it would start them in alphabetical order.
// durations.json holds each file's seconds from one run (`vitest run --reporter=json`); a file
// missing from it goes last. The order changes how soon the suite ends, never what it checks.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = JSON.parse(readFileSync(new URL('./durations.json', import.meta.url), 'utf8')) as Record<
  string,
  number
>;

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (f: TestSpecification) => SECONDS[relative(TEST_DIR, f.moduleId)] ?? 0;
    // Projects one after the other, as vitest runs them.
    return [...files].sort((a, b) =>
      a.project.name === b.project.name ? seconds(b) - seconds(a) : a.project.name < b.project.name ? -1 : 1,
    );
  }
}

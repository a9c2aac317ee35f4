// Architecture lint: the rules of docs/ARCHITECTURE.md that a type checker cannot see.
//   - src/core is pure: no node: modules, no SDK, no process.env, no Date.now()/new Date() clock of its own
//   - only src/adapters imports the keychain, the AWS SDK, execa, otplib, node:http, qr
//   - src/cli does no file, process or network I/O itself (that is what adapters are for)
//   - src/cli/commands import core and the context, never an adapter: cli/context.ts builds them all
//   - no console.* in src (output goes through the CLI's one place), no vi.mock in tests
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = (dir) =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

const problems = [];
const check = (file, re, why) => {
  const text = readFileSync(file, 'utf8');
  text.split('\n').forEach((line, i) => {
    if (re.test(line) && !line.trim().startsWith('//') && !line.trim().startsWith('*'))
      problems.push(`${relative(root, file)}:${i + 1}: ${why}`);
  });
};

for (const f of files(join(root, 'src/core'))) {
  check(
    f,
    /from ['"](node:|fs|path|os|child_process|@aws-sdk|@napi-rs|execa|otplib)/,
    'core must not import I/O modules or SDKs (use a port)',
  );
  check(f, /process\.(env|argv|stdout|stderr|exit)/, 'core must not touch process (take it as an argument)');
  check(f, /Date\.now\(\)|new Date\(\)/, 'core has no clock of its own (use Clock)');
}
for (const f of files(join(root, 'src')).filter((f) => !f.includes('/adapters/'))) {
  check(f, /from ['"](@aws-sdk|@napi-rs|execa|otplib|qr|node:http)/, 'only adapters may import this module');
}
for (const f of files(join(root, 'src/cli'))) {
  check(
    f,
    /from ['"]node:(fs|fs\/promises|child_process|http|net|tty)['"]/,
    'commands do no file, process or network I/O themselves (use an adapter)',
  );
}
for (const f of files(join(root, 'src/cli/commands'))) {
  check(
    f,
    /from ['"]\.\.\/\.\.\/adapters\//,
    'commands reach adapters through the context (cli/context.ts is the one composition point)',
  );
}
for (const f of files(join(root, 'src')))
  check(f, /console\.(log|error|warn)/, 'no console output in src; write through the CLI context');
for (const f of files(join(root, 'test')))
  check(f, /vi\.mock\(/, 'tests fake our ports; they never vi.mock our modules');

if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('lint: ok');

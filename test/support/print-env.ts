// Reading what the print-env fixture (test/support/fixtures/bin) printed.

/** The environment a child printed with print-env (NAME=value lines), as a map. */
export function envOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

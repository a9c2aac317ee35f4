// The children the tests run under mfa-exec, and reading what they printed.

/** The aws CLI asked who it is, in JSON (`.Arn` is the assumed role). */
export const CALLER_IDENTITY: readonly string[] = ['aws', 'sts', 'get-caller-identity', '--output', 'json'];

/** The environment a child printed with print-env (NAME=value lines), as a map. */
export function envOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

// Colour for humans only: on a terminal, and never when NO_COLOR is set (https://no-color.org).

/** Whether output written to `stream` may be coloured: it is a TTY and NO_COLOR is unset or empty. */
export function useColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** Text styles that are the identity when `enabled` is false. */
export function styles(enabled: boolean): { bold(s: string): string; red(s: string): string } {
  const sgr = (code: string) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { bold: sgr('1'), red: sgr('31') };
}

// Standard output, touched only when something is printed: creating process.stdout costs
// start-up time that `mfa-exec p -- cmd` (which prints nothing itself) should not pay.

let used = false;

/** Print `text` on stdout. */
export function writeStdout(text: string): void {
  used = true;
  process.stdout.write(text);
}

/** Resolves once everything printed on stdout has been handed to the OS (at once if nothing was printed). */
export async function flushStdout(): Promise<void> {
  if (used && process.stdout.writableLength > 0) await new Promise((r) => process.stdout.once('drain', r));
}

/** True when stdout is a terminal (so what is printed lands on screen and in its scrollback). */
export function stdoutIsTerminal(): boolean {
  return process.stdout.isTTY === true;
}

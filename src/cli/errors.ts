// The one place a failure becomes output: one stderr line `mfa-exec: what (how to fix)`
// and an exit status. A stack trace only with --debug.

import { escapeControls } from '../core/display.js';
import { isMfaExecError } from '../core/errors.js';
import { styles, useColor } from './color.js';

/** Write `e` to stderr as one line and return the exit status to use; the prefix is red only when `color`. */
export function reportError(
  e: unknown,
  debug: boolean,
  write: (s: string) => void = (s) => process.stderr.write(s),
  color: boolean = useColor(process.stderr, process.env),
): number {
  const prefix = styles(color).red('mfa-exec:');
  if (isMfaExecError(e)) {
    write(`${prefix} ${oneLine(e.message)}${e.hint ? ` (${oneLine(e.hint)})` : ''}\n`);
    if (debug) write(`${formatCauses(e)}\n`);
    return e.exitCode;
  }
  const message = e instanceof Error ? e.message : String(e);
  write(`${prefix} unexpected error: ${oneLine(message)} (run again with --debug and report it)\n`);
  if (debug) write(`${formatCauses(e)}\n`);
  return 1;
}

/** One line, with control and bidi characters (from profile names, file contents) shown as escapes. */
function oneLine(s: string): string {
  return escapeControls(s.replace(/\s*\n\s*/g, ' ').trim());
}

function formatCauses(e: unknown): string {
  const out: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    out.push(cur instanceof Error ? (cur.stack ?? cur.message) : String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return out.join('\ncaused by: ');
}

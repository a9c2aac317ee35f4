// The user's terminal (/dev/tty), used for prompts even when stdin/stdout/stderr
// are pipes (credential_process, `| jq`). Nothing is ever echoed for hidden input.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { ReadStream } from 'node:tty';
import { MfaExecError } from '../core/errors.js';

/** An open controlling terminal. */
export interface Terminal {
  write(text: string): void;
  /** One line typed by the user; hidden input is not echoed. Ctrl-C → 'interrupted' error (exit 130). */
  readLine(prompt: string, options?: { hidden?: boolean }): Promise<string>;
  close(): void;
}

/** The controlling terminal, or undefined when the process has none. */
export function openTerminal(): Terminal | undefined {
  let inFd: number;
  let outFd: number;
  try {
    inFd = openSync('/dev/tty', 'r');
  } catch {
    return undefined;
  }
  try {
    outFd = openSync('/dev/tty', 'w');
  } catch {
    closeSync(inFd);
    return undefined;
  }
  // Writes are synchronous on the descriptor, and node:tty (streams, net) is loaded only
  // when something is read: a progress line costs no stream machinery at start-up.
  const output = { write: (text: string) => void writeSync(outFd, text) };
  let input: ReadStream | undefined;
  // Characters typed (or pasted) after an Enter belong to the next prompt.
  let pending = '';
  return {
    write: (text) => void output.write(text),
    readLine: async (prompt, options = {}) => {
      const { ReadStream } = await import('node:tty');
      return new Promise<string>((resolve, reject) => {
        input ??= new ReadStream(inFd);
        const rs = input;
        rs.setRawMode(true);
        rs.setEncoding('utf8');
        output.write(prompt);
        let line = '';
        const finish = (err?: Error) => {
          rs.off('data', onData);
          rs.setRawMode(false);
          rs.pause();
          output.write('\n');
          if (err) reject(err);
          else resolve(line);
        };
        const onData = (chunk: string) => {
          const text = pending + chunk;
          pending = '';
          for (let i = 0; i < text.length; i++) {
            const ch = text[i]!;
            if (ch === '\r' || ch === '\n') {
              pending = text.slice(ch === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1);
              return finish();
            }
            if (ch === '\u0003') {
              return finish(
                new MfaExecError('interrupted', 'interrupted at the prompt', { hint: 'nothing was stored or cached' }),
              );
            }
            if (ch === '\u0004') {
              if (!line)
                return finish(
                  new MfaExecError('usage', 'no input at the prompt (end of input)', {
                    hint: 'type a value and press Enter',
                  }),
                );
              return finish();
            }
            if (ch === '\u007f' || ch === '\b') {
              if (line) {
                line = line.slice(0, -1);
                if (!options.hidden) output.write('\b \b');
              }
              continue;
            }
            if (ch === '\u0015') {
              if (!options.hidden) output.write('\b \b'.repeat(line.length));
              line = '';
              continue;
            }
            if (ch < ' ') continue;
            line += ch;
            if (!options.hidden) output.write(ch);
          }
        };
        rs.on('data', onData);
        if (pending) onData('');
        if (rs.listenerCount('data') > 0) rs.resume();
      });
    },
    close: () => {
      input?.destroy();
      if (!input) closeSync(inFd);
      closeSync(outFd);
    },
  };
}

/**
 * Whether this process is in its terminal's foreground process group (Linux: /proc/self/stat's
 * pgrp vs tpgid); undefined when that cannot be told here. A background process cannot read the
 * terminal (setRawMode fails with EIO): an interactive subshell under --ecs-server holds it.
 */
export function inTerminalForeground(): boolean | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid pgrp session tty_nr tpgid …; comm may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  const tpgid = Number(fields[5]);
  if (!Number.isInteger(pgrp) || !Number.isInteger(tpgid) || tpgid <= 0) return undefined;
  return pgrp === tpgid;
}

#!/usr/bin/env python3
"""Run a command in a new pseudo-terminal, as if typed at an interactive terminal.

usage: pty.py [--when TEXT] [--delay SECONDS] [--send BYTES] [--timeout SECONDS] -- CMD [ARGS...]
       (--when TEXT --send BYTES may be repeated: the pairs are taken in turn)
       pty.py --steps-stdin [--delay SECONDS] [--timeout SECONDS] -- CMD [ARGS...]

The command becomes a session leader whose controlling terminal is the pty, so it
is the terminal's foreground process group. --send BYTES (backslash escapes such
as \\x03 are decoded) is written to the master once: after TEXT has appeared in
the output (--when), then after --delay seconds. With several pairs, each TEXT
is looked for after where the previous one was found. With --steps-stdin the
steps are read as JSON from stdin instead (so that what is typed stays out of the
command line): a list of {"when": TEXT or null, "send": TEXT} (written as is) or
{"when": TEXT or null, "code": true} (the current code of `totp-code`, the test
fixture on PATH, then Enter). Prints one JSON object: {"output": everything read
from the master, "exitCode": N|null, "signal": N|null, "timedOut": bool, "codes":
the codes typed by "code" steps}. After --timeout seconds (default 20) the
command's process group gets SIGKILL.
"""

import sys

# This file is itself named pty.py: drop its directory from the import path so
# that `import pty` finds the standard library module, not this script.
del sys.path[0]

import argparse  # noqa: E402
import codecs  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pty  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--when", action="append", default=[])
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--send", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--steps-stdin", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    opts = parser.parse_args()
    command = opts.command[1:] if opts.command[:1] == ["--"] else opts.command
    if not command:
        parser.error("no command given")
    if opts.steps_stdin:
        # (TEXT or None, bytes to write, or None for the current TOTP code)
        steps = [
            (step.get("when"), None if step.get("code") else step["send"].encode()) for step in json.load(sys.stdin)
        ]
    else:
        if len(opts.when) > 1 and len(opts.when) != len(opts.send):
            parser.error("give one --send per --when")
        steps = [
            (opts.when[i] if i < len(opts.when) else None, codecs.decode(send, "unicode_escape").encode("latin-1"))
            for i, send in enumerate(opts.send)
        ]
    codes = []

    pid, master = pty.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)

    output = b""
    started = time.monotonic()
    seen = 0  # where the next step's TEXT is looked for
    triggered_at = None if steps and steps[0][0] else started
    status = None
    timed_out = False
    while True:
        now = time.monotonic()
        if steps and triggered_at is None:
            found = output.find(steps[0][0].encode(), seen)
            if found >= 0:
                seen = found + len(steps[0][0].encode())
                triggered_at = now
        if steps and triggered_at is not None and now - triggered_at >= opts.delay:
            data = steps.pop(0)[1]
            if data is None:
                code = subprocess.run(["totp-code"], capture_output=True, text=True, check=True).stdout.strip()
                codes.append(code)
                data = (code + "\r").encode()
            os.write(master, data)
            triggered_at = None if steps and steps[0][0] else now
        if status is None and not timed_out and now - started > opts.timeout:
            timed_out = True
            os.killpg(pid, signal.SIGKILL)
        readable, _, _ = select.select([master], [], [], 0.02)
        if readable:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every slave end is closed
                chunk = b""
            if not chunk:
                break
            output += chunk
            continue
        if status is not None:
            break  # the command has exited and nothing is left to read
        done, status_or_zero = os.waitpid(pid, os.WNOHANG)
        if done:
            status = status_or_zero
    if status is None:
        _, status = os.waitpid(pid, 0)
    os.close(master)

    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    result = {"output": output.decode("utf-8", "replace"), "exitCode": exit_code, "signal": signum}
    json.dump({**result, "timedOut": timed_out, "codes": codes}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""Run the processes of a Procfile side by side, as a deployment does: `make run` (Procfile:
gunicorn and the mail sender) and `make dev` (Procfile.dev: the reloading server instead).

    .venv/bin/python scripts/serve.py [PROCFILE]

Each line `name: command` is one process, started without a shell, with this Python's
folder (the virtualenv's bin/) first on PATH. Ctrl+C (SIGINT) and SIGTERM are passed on to
every process; when one of them exits, the others are stopped too and this exits — a sender
that died must not leave a site that silently stops mailing. Exit code: 0 after a signal,
otherwise that of the process that ended first (1 if it ended with 0, 128 + N if
killed by signal N).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(\S.*)$")
GRACE = 35.0  # seconds to finish after the signal (gunicorn allows its workers 30), then SIGKILL
POLL = 0.2
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def read_procfile(path: Path) -> list[tuple[str, list[str]]]:
    processes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = LINE.match(line.strip())
        if match:
            processes.append((match[1], shlex.split(match[2])))
    if not processes:
        raise SystemExit(f"serve: no `name: command` line in {path}")
    return processes


def say(message: str) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)


def _stop_with_parent() -> None:
    """In each process before it starts (Linux): SIGTERM when this runner dies, even by
    SIGKILL, so that no server is left behind on its port."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def signal_group(process: subprocess.Popen, signum: int) -> None:
    """Each process leads a group of its own (gunicorn's workers, the reloader's child)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def stop_all(running: dict[str, subprocess.Popen], signum: int) -> None:
    for process in running.values():
        if process.poll() is None:
            signal_group(process, signum)
    deadline = time.monotonic() + GRACE
    for name, process in running.items():
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop within {GRACE:.0f} s: killing it")
            signal_group(process, signal.SIGKILL)
            process.wait()


def main(argv: list[str]) -> int:
    procfile = Path(argv[1]) if len(argv) > 1 else ROOT / "Procfile"
    processes = read_procfile(procfile)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])

    received: list[int] = []

    def on_signal(signum, _frame) -> None:
        received.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    running: dict[str, subprocess.Popen] = {}
    for name, command in processes:
        say(f"starting {name}: {shlex.join(command)}")
        try:
            # The commands are the project's own Procfile's, not input.
            running[name] = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=env, start_new_session=True, preexec_fn=_stop_with_parent
            )
        except OSError as error:
            say(f"cannot start {name}: {error}")
            stop_all(running, signal.SIGTERM)
            return 1

    while True:
        if received:
            signum = received[0]
            say(f"{signal.Signals(signum).name}: stopping {', '.join(running)}")
            stop_all(running, signum)
            return 0
        for name, process in running.items():
            code = process.poll()
            if code is not None:
                say(f"{name} exited with code {code}: stopping the others")
                stop_all({n: p for n, p in running.items() if n != name}, signal.SIGTERM)
                return 128 - code if code < 0 else code or 1
        time.sleep(POLL)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""scripts/serve.py, which `make run` uses to run gunicorn and the mail sender side by side:
the site answers through gunicorn, Ctrl+C and SIGTERM reach every process, and when one
process dies the others are stopped and the runner exits with its code.

Real processes: gunicorn with the project's gunicorn.conf.py on a free loopback port, and a
small Python process in the mail sender's place that records the signal it receives.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import stop_process

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "scripts" / "serve.py"
WAIT = 120.0  # seconds; the machine is shared, gunicorn may take a while to boot

# Stands in for the mail sender: writes the signal it got, or exits with 3 once told to.
OTHER = """
import signal, sys, time
from pathlib import Path
folder = Path(sys.argv[1])
def stop(signum, _frame):
    (folder / "signal").write_text(signal.Signals(signum).name)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
while not (folder / "die").exists():
    time.sleep(0.05)
sys.exit(3)
"""


class Runner:
    def __init__(self, tmp_path: Path) -> None:
        (tmp_path / "other.py").write_text(OTHER)
        procfile = tmp_path / "Procfile"
        procfile.write_text(
            "# a comment line is ignored\n"
            "web: gunicorn wsgi:app\n"
            f"other: {sys.executable} {tmp_path / 'other.py'} {tmp_path}\n"
        )
        env = {
            **os.environ,
            "GUNICORN_BIND": "127.0.0.1:0",
            "GUNICORN_WORKERS": "1",
            "SECRET_KEY": "serve-test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
            "MAIL_SERVER": "",
        }
        self.folder = tmp_path
        self.process = subprocess.Popen(
            [sys.executable, str(SERVE), str(procfile)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        with self.process.stderr:  # closed here, at the end of the output
            for line in self.process.stderr:
                self.lines.put(line)

    def wait_for(self, pattern: str) -> re.Match:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for line in self.seen:
                if match := re.search(pattern, line):
                    return match
            with contextlib.suppress(queue.Empty):
                self.seen.append(self.lines.get(timeout=0.5))
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.seen)}")

    def port(self) -> int:
        return int(self.wait_for(r"Listening at: http://127\.0\.0\.1:(\d+)")[1])

    def exit_code(self) -> int:
        return self.process.wait(timeout=WAIT)

    def output(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


@pytest.fixture
def serve(tmp_path):
    runner = Runner(tmp_path)
    yield runner
    if runner.process.poll() is None:
        # After a failed test: the runner stops its processes (each in a group of its own,
        # which a kill of the runner alone would leave running).
        stop_process(runner.process, timeout=WAIT)
    # The output ends when the last process holding it has gone.
    runner.reader.join(timeout=WAIT)


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_site_answers_through_gunicorn_and_a_signal_stops_every_process(serve, signum):
    port = serve.port()
    # The worker may still be loading the app on a busy machine: the request waits for it.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=WAIT) as response:
        assert response.status == 200
    # Raw non-ASCII bytes in the query string: gunicorn refuses the request itself.
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as raw:
        raw.sendall(b"GET /offices?near=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400 ")

    serve.process.send_signal(signum)

    assert serve.exit_code() == 0
    assert (serve.folder / "signal").read_text() == signum.name
    assert refused(port)
    assert f"serve: {signum.name}: stopping web, other" in serve.output()


def test_when_one_process_dies_the_others_are_stopped_and_its_code_is_returned(serve):
    port = serve.port()
    (serve.folder / "die").touch()

    assert serve.exit_code() == 3
    assert "serve: other exited with code 3: stopping the others" in serve.output()
    assert refused(port)
    assert not (serve.folder / "signal").exists()


def test_when_the_runner_itself_is_killed_its_processes_stop(serve):
    port = serve.port()

    serve.process.kill()  # SIGKILL: nothing of the runner runs any more

    assert serve.exit_code() == -signal.SIGKILL
    deadline = time.monotonic() + WAIT
    while not (refused(port) and (serve.folder / "signal").exists()):
        assert time.monotonic() < deadline, "gunicorn or the other process outlived the runner"
        time.sleep(0.2)
    assert (serve.folder / "signal").read_text() == "SIGTERM"

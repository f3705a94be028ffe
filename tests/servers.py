"""Real servers for the tests, on loopback ports, and how to stop them.

The test client runs a request inside the test's own app context, and writes a streamed
body before that context ends: it hid downloads that failed under a real server. Tests of
downloads, faults, logs and limits across workers go through one of these instead:

``serving(app)``: the test's app object behind werkzeug's threaded server (what `flask run`
uses), in a thread of the test process; yields the port.
``gunicorn(env, log_path)`` / ``Gunicorn``: gunicorn with the repository's gunicorn.conf.py in
a process of its own, serving `wsgi:app` (as deployed, configured through the environment:
``app_env(app)``) or another target; ``serve(app_config, log_dir)``: the same serving the
test's own settings (tests/gunicorn_app.py).
``flask_command(env, …)``: a `flask --app wsgi …` process beside it (the mail sender).
``free_port()``: a loopback port nothing listens on (yet).
The visitors' side (an HTTP client keeping cookies, forms sent at once) is tests/live_http.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90.0  # the machine is shared: gunicorn may take a while to boot
# Settings that are Python objects, or that only make sense inside the test process.
_NOT_PASSED = {"GAZETTEER", "CLOCK", "TESTING"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- werkzeug, in a thread -----------------------------------------------------------------


def close_on_drop(app):
    """Make sure a response body is closed even when the browser drops the connection.

    werkzeug's development server closes the body only after draining the socket; when
    the browser has gone (a page navigating away mid-load) that drain raises first and
    the open static file is left to the garbage collector, which pytest reports as an
    unraisable ResourceWarning, and work the app left for the response's close would not
    run. PEP 3333 asks servers to call close() whatever
    happened; gunicorn, which serves production, does."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)

        def chunks():
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return chunks()

    return wsgi


@contextmanager
def serving(app) -> Iterator[int]:
    """`app` (a Flask app or any WSGI callable) behind werkzeug's threaded server, each
    request in its own thread, on a free loopback port; yields the port."""
    server = make_server("127.0.0.1", 0, close_on_drop(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


# --- gunicorn, in a process ----------------------------------------------------------------


class Gunicorn:
    """gunicorn serving `target` on 127.0.0.1:`port` (a free one by default), its output
    appended to `log_path`. ``start()`` returns once every worker has booted and one answers;
    ``stop()`` and ``start()`` again restart it on the same port."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        target: str = "wsgi:app",
        workers: int = 2,
        args: Sequence[str] = (),
        port: int | None = None,
    ) -> None:
        self.env, self.log_path, self.target = env, log_path, target
        self.workers, self.args = workers, list(args)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def start(self) -> Gunicorn:
        command = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(self.workers),
            "--bind", f"127.0.0.1:{self.port}",
            # One control socket per user by default: servers of parallel tests would
            # take each other's.
            "--no-control-socket",
            *self.args,
            self.target,
        ]  # fmt: skip
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_serving(offset)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_serving(self, offset: int) -> None:
        """Until every worker has loaded the app (each logs "Booting worker") and one
        answers, whatever its status (503 from /healthz when the database is gone)."""
        assert self.process is not None
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            booted = self.log_path.read_bytes()[offset:].count(b"Booting worker")
            if booted >= self.workers and self.answers():
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start:\n{self.log()}")

    def answers(self) -> bool:
        try:
            self.get("/healthz", timeout=10)
        except OSError:
            return False
        return True

    def get(self, path: str, timeout: float = 30) -> int:
        """GET `path`; the status."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            error.read()
            error.close()
            return error.code

    def raw(self, request: bytes) -> bytes:
        """`request` as sent, byte for byte, on a connection of its own; the whole answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path, **options) -> Iterator[Gunicorn]:
    """A started ``Gunicorn(env, log_path, **options)``, stopped at the end."""
    server = Gunicorn(env, log_path, **options).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def serve(app_config: dict, log_dir: Path, *, workers: int = 2, env=None) -> Iterator[Gunicorn]:
    """gunicorn serving an app made from the test's settings (tests/gunicorn_app.py)."""
    port = free_port()
    settings = {k: v for k, v in app_config.items() if k not in _NOT_PASSED}
    environment = {"LOCATOR_TEST_APP_CONFIG": json.dumps(settings), **(env or {})}
    with gunicorn(
        environment,
        log_dir / f"gunicorn-{port}.log",
        target="tests.gunicorn_app:app",
        workers=workers,
        port=port,
    ) as server:
        yield server


def app_env(app, **settings) -> dict[str, str]:
    """The environment that gives a `wsgi:app` process the test app's database and secret."""
    env = {
        **os.environ,
        "DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SITE_URL": app.config["SITE_URL"],
        "GEOCODER": "",
        "RATELIMIT_ENABLED": "false",
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": "",
    }
    env.update({name: str(value) for name, value in settings.items()})
    return env


def flask_command(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    """`flask --app wsgi ARGS…` in a process of its own, its output appended to `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

"""The test's app served by gunicorn, as in production, and a small HTTP client for it.

The test client runs a request inside the test's own app context, and writes a streamed
body before that context ends: it hid downloads that failed under a real server. Tests
of downloads, faults and limits across workers go through this server instead.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.volunteers_helpers import csrf_token

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
# Settings that are Python objects, or that only make sense inside the test process.
_NOT_PASSED = {"GAZETTEER", "CLOCK", "TESTING"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Client:
    """A browser without JavaScript: keeps cookies, follows no redirects."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 60

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(response.status, response.headers, data)

    def get(self, path: str, headers=None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict, headers=None) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, body=body, headers=sent)

    def submit(self, path: str, data: dict) -> Response:
        """Open the form page, then send the form with its CSRF token, as a browser does."""
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        return self.post(path, {**data, "csrf_token": csrf_token(page.text)})


@dataclass
class Server:
    port: int
    log_path: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Client:
        return Client(self.port)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _config_json(app_config: dict) -> str:
    return json.dumps({k: v for k, v in app_config.items() if k not in _NOT_PASSED})


@contextmanager
def serve(app_config: dict, log_dir: Path, *, workers: int = 2, env=None) -> Iterator[Server]:
    """gunicorn with the repository's gunicorn.conf.py, on a free loopback port."""
    port = free_port()
    log_path = log_dir / f"gunicorn-{port}.log"
    environment = {
        **os.environ,
        "LOCATOR_TEST_APP_CONFIG": _config_json(app_config),
        **(env or {}),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(GUNICORN),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                # One control socket per user by default: servers of parallel tests would
                # take each other's.
                "--no-control-socket",
                "tests.gunicorn_app:app",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, log_path, process)
    try:
        _wait_until_serving(server, workers)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(server: Server, workers: int) -> None:
    """Until every worker has loaded the app (each logs "Booting worker"), and one answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.log()}")
        booted = len(re.findall(r"Booting worker", server.log()))
        if booted >= workers:
            try:
                if server.client().get("/favicon.ico").status == 200:
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start:\n{server.log()}")

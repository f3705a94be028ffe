"""Reaching the app as visitors do: over HTTP, through a real server on a loopback port.

``gunicorn()``: the app (`wsgi:app`, as deployed) under gunicorn in a process of its own,
configured through the environment; ``flask_command()``: a `flask --app wsgi …` process
with the same settings; ``open_form`` / ``post`` / ``fire_at_once``: sign-ups sent the way a
browser sends them, all at the same moment.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from tests.fixtures_smtp import free_port
from tests.volunteers_helpers import csrf_token

ROOT = Path(__file__).resolve().parent.parent


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


@contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 2):
    """gunicorn with `workers` sync workers on a free loopback port; yields the port."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--worker-class", "sync",
        "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
        "--access-logfile", "/dev/null", "wsgi:app",
    ]  # fmt: skip
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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


def get(port: int, path: str) -> tuple[int, float]:
    """GET `path`; the status and the seconds it took."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.status, time.monotonic() - started


def open_form(port: int) -> tuple[str, str]:
    """GET /volunteer like a browser: the session cookie and the form's CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/volunteer")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = re.search(r"session=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    conn.close()
    return cookie, csrf_token(html)


def post(port: int, cookie: str, form: dict) -> int:
    body = urllib.parse.urlencode(form, doseq=True)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/volunteer",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={cookie}",
        },
    )
    status = conn.getresponse().status
    conn.close()
    return status


def fire_at_once(port: int, forms: list[dict]) -> list[int]:
    """Post every form to /volunteer at the same moment; their statuses, in order."""
    prepared = [(open_form(port), form) for form in forms]
    start = threading.Barrier(len(prepared))
    statuses: list[int] = [0] * len(prepared)

    def one(i: int) -> None:
        (cookie, token), form = prepared[i]
        start.wait()
        statuses[i] = post(port, cookie, {**form, "csrf_token": token})

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(prepared))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses

"""/healthz under gunicorn (2 sync workers) while sign-ups wait on a stalled mail server.

Baseline in the same run: /healthz on the same servers, idle. The mail server accepts
connections and never answers (MAIL_TIMEOUT=10 s); the mail sender (`flask mail work`)
runs beside gunicorn as the deployment runs it.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager

from bench.common import ROOT, fmt, gunicorn, temp_dir
from locator import create_app
from locator.extensions import db

SIGN_UPS = 4
PROBE_SECONDS = 8.0
MAIL_TIMEOUT = "10"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def stalled_smtp():
    """A TCP server that accepts every connection and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.settimeout(0.1)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conns.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in conns:
            conn.close()
        sock.close()


def _request(port: int, method: str, path: str, body: str = "", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body or None, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def _form(port: int) -> tuple[str, str]:
    response, data = _request(port, "GET", "/volunteer")
    cookie = re.search(r"session=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    return cookie, _CSRF.search(data.decode()).group(1)


def _sign_up(port: int, cookie: str, token: str, n: int) -> None:
    form = {
        "name": f"Bench {n}",
        "email": f"bench{n}@example.org",
        "phone": "050 123 45 67",
        "city": "Київ",
        "consent": "y",
        "csrf_token": token,
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"session={cookie}",
    }
    _request(port, "POST", "/volunteer", urllib.parse.urlencode(form), headers)


def _healthz(port: int) -> float:
    started = time.perf_counter()
    _request(port, "GET", "/healthz")
    return time.perf_counter() - started


def run() -> None:
    folder = temp_dir()
    db_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder)}
    )
    with app.app_context():
        db.create_all()
    with stalled_smtp() as smtp_port:
        env = {
            "DATABASE_URL": db_url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": "false",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "MAIL_TIMEOUT": MAIL_TIMEOUT,
        }
        sender = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "work"],
            cwd=ROOT,
            env={**os.environ, **env},
            stderr=subprocess.DEVNULL,
        )
        try:
            with gunicorn(env) as base:
                port = int(base.rsplit(":", 1)[1])
                forms = [_form(port) for _ in range(SIGN_UPS + 2)]  # both workers warmed up
                idle = [_healthz(port) for _ in range(50)]
                threads = [
                    threading.Thread(target=_sign_up, args=(port, *forms[n], n))
                    for n in range(SIGN_UPS)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:  # answered: their mail is due now
                    thread.join(120)
                stalled: list[float] = []
                until = time.monotonic() + PROBE_SECONDS
                while time.monotonic() < until:
                    stalled.append(_healthz(port))
                    time.sleep(0.05)
        finally:
            sender.terminate()
            try:
                sender.wait(timeout=30)
            except subprocess.TimeoutExpired:
                sender.kill()
    idle_median, stall_median = statistics.median(idle), statistics.median(stalled)
    print(
        f"  /healthz idle: median {fmt(idle_median)}, max {fmt(max(idle))}\n"
        f"  /healthz, {SIGN_UPS} sign-ups on a stalled mail server (MAIL_TIMEOUT={MAIL_TIMEOUT} s): "
        f"median {fmt(stall_median)}, max {fmt(max(stalled))} "
        f"({len(stalled)} requests in {PROBE_SECONDS:.0f} s)\n"
        f"  ratio stalled/idle: median {stall_median / idle_median:.1f}×, "
        f"max {max(stalled) / max(idle):.1f}×",
        flush=True,
    )

"""The live chat under gunicorn (2 gthread workers): delay from a coordinator's POST to the visitor's event stream with 1 and with 50 open conversations, and /healthz beside 50 open streams.

PostgreSQL and Redis pub/sub (production's setup), then the embedded default (SQLite, no
Redis: database polling every CHAT_POLL_SECONDS). Baselines in the same run: /healthz on the
same server with no stream open, and on gunicorn's sync workers (the model before the chat).
Aims: median ≤ 200 ms, p95 ≤ 1 s, /healthz with 50 streams within 1.5× of idle.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from contextlib import contextmanager

from sqlalchemy import select

from bench.common import ROOT, fmt, temp_dir
from locator import create_app
from locator.chat.models import Conversation
from locator.extensions import db
from locator.models import User

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
EMAIL, PASSWORD = "bench.coordinator@example.org", "bench password 42"
OPEN = 50
SENDS = {1: 60, OPEN: 150}
HEALTHZ = 240
ROUNDS = 3
HEARTBEAT = 2  # seconds; production's default is 15 (the bench's streams write more often)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def serve(env: dict, workers: int = 2):
    """gunicorn on a free loopback port (read back from its log), settings from gunicorn.conf.py."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            "127.0.0.1:0",
            "--log-level",
            "info",
            "--access-logfile",
            "/dev/null",
            "--no-control-socket",
            "wsgi:app",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    host = None
    for line in proc.stderr:
        match = re.search(r"Listening at: http://(127\.0\.0\.1:\d+)", line)
        if match:
            host = match.group(1)
            break
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(host, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer")
            time.sleep(0.2)
        yield host
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        proc.stderr.close()


def request(host, method, path, body=None, headers=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection(host, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
    except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
        # gunicorn closed the idle keep-alive connection: a browser opens another one.
        conn.close()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, response.headers, data


def cookie_of(headers) -> str:
    found = re.search(r"session=([^;]+)", headers.get("Set-Cookie") or "")
    return found.group(1) if found else ""


class Browser:
    """Cookie and CSRF token of one person, over one keep-alive connection."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.conn = http.client.HTTPConnection(host, timeout=30)
        self.cookie = ""
        self.token = ""

    def get(self, path: str) -> str:
        _status, headers, data = request(
            self.host, "GET", path, headers={"Cookie": f"session={self.cookie}"}, conn=self.conn
        )
        self.cookie = cookie_of(headers) or self.cookie
        html = data.decode()
        if match := CSRF.search(html):
            self.token = match.group(1)
        return html

    def post(self, path: str, form: dict, as_json: bool = False):
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={self.cookie}",
            "X-CSRFToken": self.token,
        }
        if as_json:
            headers["Accept"] = "application/json"
        body = urllib.parse.urlencode({**form, "csrf_token": self.token})
        status, headers_, data = request(self.host, "POST", path, body, headers, conn=self.conn)
        self.cookie = cookie_of(headers_) or self.cookie
        return status, headers_, data


class Stream(threading.Thread):
    """One visitor's open /events; records when each message event arrives."""

    def __init__(self, host: str, token: str, arrivals: dict, cond: threading.Condition):
        super().__init__(daemon=True)
        self.host, self.token, self.arrivals, self.cond = host, token, arrivals, cond
        self.ready = threading.Event()
        self.closing = False
        self.conn = http.client.HTTPConnection(host, timeout=600)

    def run(self) -> None:
        self.conn.request(
            "GET", f"/chat/{self.token}/events", headers={"Accept": "text/event-stream"}
        )
        response = self.conn.getresponse()
        assert response.status == 200, response.status
        buffer = b""
        try:
            while chunk := response.read1(65536):
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self.event(block.decode(), time.perf_counter())
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            if not self.closing:  # http.client fails in several ways on a socket shut under it
                raise

    def event(self, block: str, at: float) -> None:
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        if fields.get("event") == "status":
            self.ready.set()
        elif fields.get("event") == "message":
            text = json.loads(fields["data"])["text"]
            with self.cond:
                self.arrivals.setdefault(text, at)
                self.cond.notify_all()

    def close(self) -> None:
        self.closing = True
        if self.conn.sock is not None:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()


def prepare(database: str) -> None:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(temp_dir()),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = User(email=EMAIL)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def conversation_ids(database: str) -> list[int]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(temp_dir()),
        }
    )
    with app.app_context():
        ids = list(db.session.scalars(select(Conversation.id).order_by(Conversation.id)))
        db.session.remove()
        db.engine.dispose()
    return ids


def open_streams(host, tokens, arrivals, cond) -> list[Stream]:
    streams = [Stream(host, token, arrivals, cond) for token in tokens]
    for stream in streams:
        stream.start()
    for stream in streams:
        if not stream.ready.wait(30):
            raise RuntimeError("a stream did not open")
    return streams


def healthz(host: str, n: int = HEALTHZ) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        status, _, _ = request(host, "GET", "/healthz")
        samples.append(time.perf_counter() - started)
        assert status == 200
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95) - 1]


def delays(
    coordinator: Browser, conversations: list[int], sends: int, arrivals, cond
) -> list[float]:
    """Reply `sends` times, round-robin; the delay from POST to the visitor's stream."""
    measured = []
    for i in range(sends):
        cid = conversations[i % len(conversations)]
        text = f"bench {uuid.uuid4().hex}"
        started = time.perf_counter()
        status, _, _ = coordinator.post(
            f"/admin/chat/{cid}/messages", {"text": text, "key": uuid.uuid4().hex}, as_json=True
        )
        assert status == 201, status
        with cond:
            if not cond.wait_for(lambda text=text: text in arrivals, timeout=10):
                raise RuntimeError(f"message to conversation {cid} never arrived")
            measured.append(arrivals[text] - started)
        time.sleep(0.01)
    return measured


def scenario(label: str, database: str, env: dict, sends: dict[int, int] = SENDS) -> None:
    prepare(database)
    base_env = {
        "DATABASE_URL": database,
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "false",
        "RATELIMIT_STORAGE_URI": "memory://",
        "CHAT_HOURS": "24/7",
        "CHAT_STREAM_SECONDS": "900",
        "CHAT_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "MAIL_SERVER": "",
        **env,
    }
    print(f"{label}:", flush=True)
    with serve(base_env) as host:
        coordinator = Browser(host)
        coordinator.get("/admin/login")
        coordinator.post("/admin/login", {"email": EMAIL, "password": PASSWORD})
        coordinator.get("/admin/chat")
        tokens = []
        for _ in range(OPEN):
            visitor = Browser(host)
            visitor.get("/chat")
            status, headers, _ = visitor.post("/chat", {"name": "Bench", "topic": ""})
            assert status == 303, status
            tokens.append(headers["Location"].rsplit("/", 1)[1])
        ids = conversation_ids(database)
        for cid in ids:
            assert coordinator.post(f"/admin/chat/{cid}/take", {})[0] == 303
        healthz(host, 30)  # warm-up
        arrivals: dict[str, float] = {}
        cond = threading.Condition()
        results: dict[int, list[float]] = {1: [], OPEN: []}
        idle: list[float] = []
        busy: list[float] = []
        # Rounds, so that the machine's changing load falls on both sides of each ratio.
        for _ in range(ROUNDS):
            time.sleep(HEARTBEAT + 1)  # the server has noticed the streams closed last round
            idle += healthz(host, HEALTHZ // ROUNDS)
            for count in (1, OPEN):
                streams = open_streams(host, tokens[:count], arrivals, cond)
                if count == OPEN:
                    busy += healthz(host, HEALTHZ // ROUNDS)
                results[count] += delays(
                    coordinator, ids[:count], sends[count] // ROUNDS, arrivals, cond
                )
                for stream in streams:
                    stream.close()
        for count, measured in results.items():
            median, tail = statistics.median(measured), p95(measured)
            print(
                f"  POST → visitor's stream, {count:>2} open conversation(s), {len(measured)} "
                f"messages: median {fmt(median)}, p95 {fmt(tail)}  "
                f"(aim ≤ 200 ms / ≤ 1 s: {'met' if median <= 0.2 and tail <= 1 else 'missed'})",
                flush=True,
            )
        ratio = statistics.median(busy) / statistics.median(idle)
        print(
            f"  /healthz with {OPEN} open streams: median {fmt(statistics.median(busy))}, "
            f"p95 {fmt(p95(busy))} | idle, same server: median {fmt(statistics.median(idle))}, "
            f"p95 {fmt(p95(idle))} | {ratio:.2f}× (aim ≤ 1.5×)",
            flush=True,
        )


def run() -> None:
    import psycopg

    name = "locator_bench_chat"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    postgres = f"postgresql://postgres@127.0.0.1:5432/{name}"
    scenario(
        "PostgreSQL + Redis pub/sub",
        postgres,
        {
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "CHAT_REDIS_PREFIX": f"bench-{uuid.uuid4().hex}:",
        },
    )
    with serve({"DATABASE_URL": postgres, "GUNICORN_WORKER_CLASS": "sync"}) as host:
        healthz(host, 30)
        sync = healthz(host)
    print(
        f"  /healthz on sync workers (before the chat), idle: median {fmt(statistics.median(sync))}, "
        f"p95 {fmt(p95(sync))}",
        flush=True,
    )
    folder = temp_dir()
    scenario(
        "SQLite, no Redis (the embedded default: polling every 1 s)",
        f"sqlite:///{folder / 'chat.sqlite3'}",
        {"REDIS_URL": ""},
        sends={1: 30, OPEN: 60},  # up to a poll interval each: fewer, or this takes minutes
    )
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

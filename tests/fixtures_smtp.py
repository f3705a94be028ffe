"""Real SMTP servers on loopback for the mail tests (loaded via ``pytest_plugins``).

``smtp_server``: an aiosmtpd server on 127.0.0.1 that keeps every message it receives.
``stalled_smtp_server``: accepts connections and then never says a word.
``stalling_smtp_server``: an aiosmtpd server that keeps every sender waiting at MAIL FROM
until it ``recover()``s, then delivers as ``smtp_server`` does.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port

HOST = "127.0.0.1"


class SmtpSink:
    """An aiosmtpd server collecting the messages it receives."""

    def __init__(self, port: int | None = None):
        self.host = HOST
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    @property
    def config(self) -> dict:
        """App settings that point the mailer at this server."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False}

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._cond:
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until ``count`` messages have arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")
                self._cond.wait(left)
            return list(self.messages)


class StallingSink(SmtpSink):
    """An aiosmtpd server that greets, then holds every sender at MAIL FROM until
    ``recover()``: a mail server that has stalled. Nothing is accepted while it stalls,
    so a sender that gives up has delivered nothing (and a retry is no duplicate)."""

    def __init__(self, port: int | None = None):
        super().__init__(port)
        self.held = 0  # senders kept waiting so far
        self._recovered = threading.Event()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self._cond:
            self.held += 1
            self._cond.notify_all()
        while not self._recovered.is_set():
            await asyncio.sleep(0.05)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    def recover(self) -> None:
        self._recovered.set()

    def stop(self) -> None:
        self.recover()
        super().stop()

    def wait_held(self, count: int = 1, timeout: float = 30.0) -> None:
        """Wait until ``count`` senders have been kept waiting."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.held < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} sender(s) held, got {self.held}")
                self._cond.wait(left)


class StalledServer:
    """Accepts TCP connections, then stays silent: the slow-mail-server case."""

    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind((HOST, 0))
        self._sock.listen(16)
        self.host, self.port = HOST, self._sock.getsockname()[1]
        self._conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False}

    def _accept(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self._conns.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self._conns:
            conn.close()
        self._sock.close()


@pytest.fixture
def smtp_server():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def stalling_smtp_server():
    sink = StallingSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def stalled_smtp_server():
    server = StalledServer()
    yield server
    server.close()

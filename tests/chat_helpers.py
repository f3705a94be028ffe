"""Helpers for the chat's tests: start a conversation, send, read an event stream."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
from dataclasses import dataclass

from tests.volunteers_helpers import csrf_token

JSON = {"Accept": "application/json"}


def start_chat(client, name: str = "", topic: str = "", **kwargs) -> str:
    """Start a conversation as a browser does; returns its token."""
    page = client.get("/chat", **kwargs)
    assert page.status_code == 200
    response = client.post(
        "/chat",
        data={"name": name, "topic": topic, "csrf_token": csrf_token(page.get_data(as_text=True))},
        **kwargs,
    )
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    assert location.startswith("/chat/")
    return location.removeprefix("/chat/")


def page_token(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def send(client, url: str, text: str, *, as_json: bool = True, key: str | None = None, **kw):
    """POST a message form to `url` (a conversation page's form action)."""
    page_url = url.rsplit("/messages", 1)[0]
    data = {"text": text, "csrf_token": page_token(client, page_url)}
    if key is not None:
        data["key"] = key
    headers = JSON if as_json else {}
    return client.post(url, data=data, headers=headers, **kw)


@dataclass
class Event:
    event: str
    data: dict
    id: int | None


def parse(chunk: str) -> list[Event]:
    events = []
    for block in chunk.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if "event" in fields:
            events.append(
                Event(
                    fields["event"],
                    json.loads(fields["data"]),
                    int(fields["id"]) if "id" in fields else None,
                )
            )
    return events


class StreamReader:
    """Reads a streamed test-client response in a thread; events arrive on a queue."""

    def __init__(self, response) -> None:
        self.response = response
        self.events: queue.Queue[Event | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for chunk in self.response.response:
                text = chunk.decode() if isinstance(chunk, bytes) else chunk
                for event in parse(text):
                    self.events.put(event)
        finally:
            self.events.put(None)  # the stream ended

    def until(self, predicate, timeout: float = 10.0) -> list[Event]:
        """Events up to and including the first one matching `predicate`."""
        seen = []
        while True:
            event = self.events.get(timeout=timeout)
            if event is None:
                raise AssertionError(f"the stream ended before the event; got {seen}")
            seen.append(event)
            if predicate(event):
                return seen

    def rest(self, timeout: float = 10.0) -> list[Event]:
        """Every event until the stream ends by itself."""
        seen = []
        while (event := self.events.get(timeout=timeout)) is not None:
            seen.append(event)
        return seen

    def close(self) -> None:
        """Wait for the stream to end by itself (tests set a short CHAT_STREAM_SECONDS):
        a server closes a body from the thread that iterates it, never from another."""
        self.thread.join(15)
        self.response.close()


def read_stream(response, stop) -> list[Event]:
    """Read in this thread until an event matches `stop`, then drop the connection."""
    seen = []
    try:
        for chunk in response.response:
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            for event in parse(text):
                seen.append(event)
                if stop(event):
                    return seen
    finally:
        response.close()
    raise AssertionError(f"the stream ended before the event; got {seen}")


class TcpProxy:
    """A TCP relay to a real server that a test can cut and restore (Redis "going down")."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener = None
        self._conns: list = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    sink.sendall(data)
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()

    def stop(self) -> None:
        """Cut every connection and stop listening (the server seems gone)."""
        with self._lock:
            conns, self._conns = self._conns, []
            if self._listener is not None:
                conns.append(self._listener)
                self._listener = None
        for sock in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

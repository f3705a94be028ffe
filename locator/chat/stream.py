"""Server-Sent Events for one open page, without holding a database connection.

The stream reads the database in short app contexts (a session is opened, used and given
back to the pool) when it starts and when it is nudged, and otherwise waits on its
subscription — a ``threading.Event`` — with no session, no transaction and no connection
checked out. It sends a comment line as a heartbeat (proxies keep the connection, a gone
client is noticed at the next write) and ends after ``max_seconds`` so that the browser
reconnects (``retry``) and server threads turn over.
Message events carry the message id as the event id: the browser sends it back as
``Last-Event-ID`` when it reconnects, and the stream resumes after it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask import Flask
from flask_babel import force_locale
from sqlalchemy.exc import SQLAlchemyError

from locator.chat.live import Subscription, shutting_down

log = logging.getLogger(__name__)


@dataclass
class Snapshot:
    """What is new: messages after the cursor, and the state shown beside them."""

    messages: list[dict] = field(default_factory=list)
    state: dict | None = None
    final: bool = False  # nothing more can happen (closed, deleted): end the stream


def format_event(event: str, data: dict, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    # json.dumps escapes line breaks inside strings: the data is always a single line.
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class EventStream:
    """The response body: an iterator whose close() gives back the stream's slot and
    subscription even when the server closes it before the first chunk."""

    def __init__(
        self,
        app: Flask,
        subscription: Subscription,
        slot: threading.Semaphore,
        read: Callable[[int], Snapshot],
        *,
        after: int,
        lang: str,
        state_event: str = "status",
        max_seconds: float,
        heartbeat: float,
        retry_ms: int,
    ) -> None:
        self._app, self._subscription, self._slot, self._read = app, subscription, slot, read
        self._lang, self._state_event = lang, state_event
        self._max_seconds, self._heartbeat, self._retry_ms = max_seconds, heartbeat, retry_ms
        self._closed = False
        self._lock = threading.Lock()
        self._chunks = self._generate(after)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return next(self._chunks)

    def close(self) -> None:
        try:
            # ValueError: it is running in another thread, and releases when it stops.
            with contextlib.suppress(ValueError):
                self._chunks.close()
        finally:
            self._release()

    def _release(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._subscription.close()
        self._slot.release()

    def _snapshot(self, after: int) -> Snapshot | None:
        """What is new, read in a fresh app context (its teardown gives the connection
        back); None when the database is away: the stream ends, the browser reconnects."""
        try:
            with self._app.app_context(), force_locale(self._lang):
                return self._read(after)
        except SQLAlchemyError as exc:
            log.warning("chat: a stream could not read the database (%s)", type(exc).__name__)
            return None

    def _generate(self, after: int) -> Iterator[str]:
        try:
            yield f"retry: {self._retry_ms}\n\n"
            deadline = time.monotonic() + self._max_seconds
            sent_state = None
            snapshot = self._snapshot(after)
            while snapshot is not None:
                for message in snapshot.messages:
                    yield format_event("message", message, message["id"])
                    after = message["id"]
                if snapshot.state is not None and snapshot.state != sent_state:
                    yield format_event(self._state_event, snapshot.state)
                    sent_state = snapshot.state
                if snapshot.final:
                    return
                # Wait for a nudge; between nudges the database is not asked at all (the
                # broker's poller looks for what Redis could not carry).
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or shutting_down():
                        return
                    if self._subscription.wait(min(self._heartbeat, remaining)):
                        break
                    yield ": keep-alive\n\n"
                if shutting_down():
                    return
                snapshot = self._snapshot(after)
        finally:
            self._release()

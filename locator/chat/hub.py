"""The app's live-delivery broker (one per process) and the reader its poller uses."""

from __future__ import annotations

import os
import threading

from flask import Flask, current_app
from sqlalchemy import or_, select

from locator.chat.live import Broker, Row
from locator.chat.models import Conversation
from locator.extensions import db

EXTENSION = "locator.chat.broker"
_making = threading.Lock()


def _reader(app: Flask):
    def read(watched: list[int]) -> list[Row]:
        condition = Conversation.status.in_(("waiting", "active"))
        if watched:
            condition = or_(condition, Conversation.id.in_(watched))
        with app.app_context():
            rows = db.session.execute(
                select(
                    Conversation.id, Conversation.seq, Conversation.status, Conversation.expert_id
                ).where(condition)
            ).all()
        return [tuple(row) for row in rows]

    return read


def broker(app: Flask | None = None) -> Broker:
    """This process's broker, made on first use (after gunicorn forks, in each worker)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    existing = app.extensions.get(EXTENSION)
    if existing is not None and existing.pid == os.getpid():
        return existing
    with _making:
        existing = app.extensions.get(EXTENSION)
        if existing is not None and existing.pid == os.getpid():
            return existing
        made = _make(app)
        app.extensions[EXTENSION] = made
        return made


def _make(app: Flask) -> Broker:
    config = app.config
    return Broker(
        redis_url=config.get("REDIS_URL") or "",
        prefix=config.get("CHAT_REDIS_PREFIX", "locator:"),
        poll_seconds=float(config.get("CHAT_POLL_SECONDS", 1.0)),
        read=_reader(app),
        max_streams=int(config.get("CHAT_STREAMS_PER_PROCESS", 80)),
    )


def close(app: Flask) -> None:
    """Stop the broker's threads (tests; a process that ends stops them anyway)."""
    existing = app.extensions.pop(EXTENSION, None)
    if existing is not None:
        existing.close()

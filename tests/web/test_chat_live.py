"""Delivery between processes: two app instances (each with its own broker, as two gunicorn
workers have) share one database; a message sent through one reaches a stream open on the
other — through Redis pub/sub, or by polling the database without Redis or while it is down.
"""

from __future__ import annotations

import logging
import time
import uuid

import pytest

from locator import create_app
from locator.chat import hub
from tests.chat_helpers import StreamReader, TcpProxy, send, start_chat

REDIS = ("127.0.0.1", 6379)
LOGGER = "locator.chat.live"


@pytest.fixture
def app_config(app_config):
    app_config.update(CHAT_STREAM_SECONDS=4, CHAT_HEARTBEAT_SECONDS=0.5, CHAT_POLL_SECONDS=0.2)
    return app_config


@pytest.fixture
def pair(app, app_config):
    """(first, second): the test's app and another instance on the same database."""
    other = create_app(app_config)
    yield app, other
    hub.close(app)
    hub.close(other)
    with other.app_context():
        from locator.extensions import db

        db.session.remove()
        db.engine.dispose()


def configure(apps, **settings) -> None:
    for app in apps:
        app.config.update(settings)


def open_stream(client, token: str) -> StreamReader:
    reader = StreamReader(client.get(f"/chat/{token}/events", buffered=False))
    reader.until(lambda e: e.event == "status")  # the first read is done: now live
    return reader


def deliver_across(pair, text: str = "across processes") -> tuple[dict, list, float]:
    first, second = pair
    visitor = first.test_client()
    token = start_chat(visitor)
    reader = open_stream(visitor, token)
    started = time.monotonic()
    sent = send(second.test_client(), f"/chat/{token}/messages", text).get_json()
    events = reader.until(lambda e: e.event == "message")
    took = time.monotonic() - started
    events += reader.rest(timeout=25)  # to the stream's end (CHAT_STREAM_SECONDS)
    reader.close()
    return sent, [e for e in events if e.event == "message"], took


def test_without_redis_the_other_process_polls_the_database(pair, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    configure(pair, REDIS_URL="")
    sent, messages, _took = deliver_across(pair)
    assert [(m.id, m.data["text"]) for m in messages] == [(sent["id"], "across processes")]
    assert "no REDIS_URL; live delivery polls the database" in caplog.text


def test_with_redis_the_nudge_crosses_at_once(pair):
    # Polling and heartbeats far apart: only Redis can carry the news in time.
    configure(
        pair,
        REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0",
        CHAT_REDIS_PREFIX=f"locator-test-{uuid.uuid4().hex}:",
        CHAT_POLL_SECONDS=60,
        CHAT_HEARTBEAT_SECONDS=60,
    )
    sent, messages, took = deliver_across(pair)
    assert [m.id for m in messages] == [sent["id"]]
    assert took < 5


def test_with_redis_unreachable_it_says_so_and_polls(pair, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    proxy = TcpProxy(REDIS)  # nothing listens on its port until started
    configure(pair, REDIS_URL=proxy.url, CHAT_REDIS_PREFIX=f"t-{uuid.uuid4().hex}:")
    sent, messages, _took = deliver_across(pair)
    assert [m.id for m in messages] == [sent["id"]]
    assert "falls back to polling the database" in caplog.text


def test_when_redis_goes_down_and_comes_back_no_message_is_lost_or_doubled(pair, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    first, second = pair
    proxy = TcpProxy(REDIS).start()
    configure(
        pair,
        REDIS_URL=proxy.url,
        CHAT_REDIS_PREFIX=f"t-{uuid.uuid4().hex}:",
        CHAT_HEARTBEAT_SECONDS=60,  # no safety re-read: delivery is Redis's or the poller's
        CHAT_STREAM_SECONDS=20,
    )
    visitor = first.test_client()
    token = start_chat(visitor)
    reader = open_stream(visitor, token)
    writer = second.test_client()
    ids = [send(writer, f"/chat/{token}/messages", "through redis").get_json()["id"]]
    reader.until(lambda e: e.event == "message")
    proxy.stop()  # Redis is gone for both processes
    ids.append(send(writer, f"/chat/{token}/messages", "while redis is down").get_json()["id"])
    reader.until(lambda e: e.event == "message" and e.id == ids[-1])
    assert "Redis unavailable" in caplog.text
    proxy.start()
    deadline = time.monotonic() + 15
    while "Redis is back" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Redis is back" in caplog.text
    ids.append(send(writer, f"/chat/{token}/messages", "redis again").get_json()["id"])
    reader.until(lambda e: e.event == "message" and e.id == ids[-1])
    proxy.stop()
    rest = reader.rest(timeout=30)
    reader.close()
    assert [e.id for e in rest if e.event == "message"] == []  # nothing came twice

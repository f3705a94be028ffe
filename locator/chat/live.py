"""Live delivery across processes: which open streams must look at the database again.

Messages are stored first; what travels between processes is only a nudge — "conversation
12 changed", "the queue changed". A stream woken by a nudge reads what is new after its
cursor from the database, so a late nudge costs a delay and a doubled one a query, never a
lost or doubled message.

- With ``REDIS_URL``: one pub/sub connection per process (a pattern subscription under
  ``CHAT_REDIS_PREFIX``), and every change is published to it.
- Without Redis, or while Redis is unreachable: one thread per process reads the open
  conversations' change counters (``seq``) every ``CHAT_POLL_SECONDS`` and wakes the streams
  whose conversation moved. Switching either way is logged, and wakes every stream once.
  With Redis up the same thread still looks every ``SAFETY_POLL`` seconds, for changes a
  process could not publish while its own Redis connection was broken.
- The process that made a change wakes its own streams at once in both modes.

Threads start with the first stream, so a process that serves no stream runs none.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

QUEUE = "queue"
CONNECT_TIMEOUT = 1.0
# After a failed publish, this process stops trying Redis for a moment (others poll).
PUBLISH_BACKOFF = 2.0
# With Redis up, each process still reads the change counters this often: what a process
# could not publish (its Redis connection broke) reaches the others within this time.
SAFETY_POLL = 5.0

# (conversation id, change counter, status, expert id) of the conversations to watch.
Row = tuple[int, int, str, int | None]
Reader = Callable[[list[int]], list[Row]]


_shutting_down = threading.Event()
_brokers: weakref.WeakSet[Broker] = weakref.WeakSet()


def shutdown() -> None:
    """The process is stopping: every open stream ends now (its browser reconnects,
    to another process), instead of holding the server's graceful shutdown up."""
    _shutting_down.set()
    for broker in list(_brokers):
        broker._wake_all()


def shutting_down() -> bool:
    return _shutting_down.is_set()


def conversation_topic(conversation_id: int) -> str:
    return f"conv:{conversation_id}"


class Subscription:
    """One open stream's interest in some topics; ``wait`` returns True when nudged."""

    def __init__(self, broker: Broker, topics: Iterable[str]) -> None:
        self.topics = frozenset(topics)
        self.created = time.monotonic()
        self._broker = broker
        self._event = threading.Event()

    def wake(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        woke = self._event.wait(timeout)
        self._event.clear()
        return woke

    def close(self) -> None:
        self._broker._remove(self)


class Broker:
    def __init__(
        self,
        *,
        redis_url: str,
        prefix: str,
        poll_seconds: float,
        read: Reader,
        max_streams: int,
    ) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.poll_seconds = max(0.05, poll_seconds)
        self._read = read
        # Open streams each hold a server thread: past this many, answer 503 (the page polls).
        self.slots = threading.BoundedSemaphore(max(1, max_streams))
        self._lock = threading.Lock()
        self._by_topic: dict[str, set[Subscription]] = {}
        self._stop = threading.Event()
        self._started = False
        self._threads: list[threading.Thread] = []
        self._ready = threading.Event()
        self._redis_ok = False
        self._redis_down_logged = False
        self._publisher: redis.Redis | None = None
        self._publish_retry_at = 0.0
        self.pid = os.getpid()
        _brokers.add(self)

    # --- the streams' side -------------------------------------------------------------

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        """Register before reading the database: a change committed after that read wakes it."""
        subscription = Subscription(self, topics)
        with self._lock:
            for topic in subscription.topics:
                self._by_topic.setdefault(topic, set()).add(subscription)
        self._start()
        if self.redis_url:
            # The pattern subscription must be live before the stream's first read.
            self._ready.wait(CONNECT_TIMEOUT * 2)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            for topic in subscription.topics:
                subs = self._by_topic.get(topic)
                if subs is not None:
                    subs.discard(subscription)
                    if not subs:
                        del self._by_topic[topic]

    # --- the writers' side -------------------------------------------------------------

    def publish(self, *topics: str) -> None:
        """After the commit: wake this process's streams, and the other processes'."""
        for topic in topics:
            self._dispatch(topic)
        if not self.redis_url or time.monotonic() < self._publish_retry_at:
            return
        try:
            if self._publisher is None:
                self._publisher = redis.Redis.from_url(
                    self.redis_url,
                    socket_connect_timeout=CONNECT_TIMEOUT,
                    socket_timeout=CONNECT_TIMEOUT,
                )
            pipe = self._publisher.pipeline(transaction=False)
            for topic in topics:
                pipe.publish(self.prefix + "chat:" + topic, b"")
            pipe.execute()
        except RedisError as exc:
            self._publish_retry_at = time.monotonic() + PUBLISH_BACKOFF
            log.warning(
                "chat: Redis publish failed (%s); other processes fall back to polling the "
                "database",
                type(exc).__name__,
            )

    # --- inside the process ------------------------------------------------------------

    def _dispatch(self, topic: str) -> None:
        with self._lock:
            subs = list(self._by_topic.get(topic, ()))
        for subscription in subs:
            subscription.wake()

    def _wake_all(self, since: float = 0.0) -> None:
        with self._lock:
            subs = {s for group in self._by_topic.values() for s in group if s.created >= since}
        for subscription in subs:
            subscription.wake()

    def _watched_conversations(self) -> list[int]:
        with self._lock:
            topics = list(self._by_topic)
        return [int(t[5:]) for t in topics if t.startswith("conv:") and t[5:].isdigit()]

    def _start(self) -> None:
        if self._started:
            return
        with self._lock:
            if self._started:
                return
            self._started = True
            targets = [self._poll_loop]
            if self.redis_url:
                targets.append(self._listen_loop)
            else:
                log.info(
                    "chat: no REDIS_URL; live delivery polls the database every %s s",
                    self.poll_seconds,
                )
            for target in targets:
                thread = threading.Thread(target=target, name=f"chat-{target.__name__}")
                thread.daemon = True
                thread.start()
                self._threads.append(thread)

    def _polling(self) -> bool:
        return not self.redis_url or not self._redis_ok

    def _poll_loop(self) -> None:
        known: dict[int, tuple] | None = None
        queue_signature: frozenset | None = None
        previous_start = 0.0
        while not self._stop.is_set():
            with self._lock:
                anyone = bool(self._by_topic)
            if not anyone:
                known = None  # after a pause, start again from "anything may have changed"
                self._stop.wait(self.poll_seconds)
                continue
            # With Redis up, a slow look still catches what a process could not publish.
            interval = self.poll_seconds if self._polling() else max(SAFETY_POLL, self.poll_seconds)
            started = time.monotonic()
            watched = self._watched_conversations()
            try:
                rows = self._read(watched)
            except Exception:  # the database is away: try again at the next tick
                log.exception("chat: polling the database for changes failed")
                self._stop.wait(self.poll_seconds)
                continue
            current = {row[0]: row[1:] for row in rows}
            signature = frozenset(
                (cid, status, expert)
                for cid, (_seq, status, expert) in current.items()
                if status in ("waiting", "active")
            )
            if known is None:
                self._wake_all()
            else:
                for cid in watched:
                    if known.get(cid) != current.get(cid):
                        self._dispatch(conversation_topic(cid))
                if signature != queue_signature:
                    self._dispatch(QUEUE)
                # Streams that subscribed after the last read began may have read the
                # database before a change that read already counted: look again.
                self._wake_all(since=previous_start)
            known, queue_signature, previous_start = current, signature, started
            self._wait_poll(started, interval)

    def _wait_poll(self, started: float, interval: float) -> None:
        """Until the next look; cut short when Redis drops (polling must start now)."""
        while not self._stop.is_set():
            left = started + (self.poll_seconds if self._polling() else interval) - time.monotonic()
            if left <= 0:
                return
            self._stop.wait(min(left, self.poll_seconds))

    def _listen_loop(self) -> None:
        backoff = 0.2
        pattern = self.prefix + "chat:*"
        skip = len(self.prefix) + len("chat:")
        while not self._stop.is_set():
            client = pubsub = None
            try:
                client = redis.Redis.from_url(
                    self.redis_url,
                    socket_connect_timeout=CONNECT_TIMEOUT,
                    health_check_interval=15,
                )
                pubsub = client.pubsub()
                pubsub.psubscribe(pattern)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "psubscribe":
                        self._connected()
                    elif message["type"] == "pmessage":
                        channel = message["channel"]
                        if isinstance(channel, bytes):
                            channel = channel.decode("utf-8", "replace")
                        self._dispatch(channel[skip:])
                backoff = 0.2
            except (RedisError, OSError) as exc:
                self._disconnected(exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                for thing in (pubsub, client):
                    if thing is not None:
                        with contextlib.suppress(RedisError, OSError):
                            thing.close()

    def _connected(self) -> None:
        was_down = self._redis_down_logged
        self._redis_ok = True
        self._publish_retry_at = 0.0
        self._ready.set()
        if was_down:
            self._redis_down_logged = False
            log.warning("chat: Redis is back; live delivery through Redis pub/sub again")
        # Whatever happened while the subscription was not live: every stream looks again.
        self._wake_all()

    def _disconnected(self, exc: BaseException) -> None:
        self._redis_ok = False
        self._ready.set()  # streams go on, served by the poller (which wakes them all first)
        if not self._redis_down_logged:
            self._redis_down_logged = True
            log.warning(
                "chat: Redis unavailable (%s); live delivery falls back to polling the "
                "database every %s s",
                type(exc).__name__,
                self.poll_seconds,
            )

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        if self._publisher is not None:
            self._publisher.close()

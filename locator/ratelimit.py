"""Rate limits (Flask-Limiter) and the Redis they share, made to fail open.

With Redis configured every server process counts in Redis; when Redis cannot be reached
each process falls back to counting in its own memory (a log line when it does, and when
Redis is back) instead of answering 500 and losing what the visitor sent. Redis calls get
short timeouts and no retries, so a dead Redis costs a request one timeout, not a worker.

Without Redis the limits are counted per process, which the log says at start-up: with
several gunicorn workers a visitor may get up to that many times a limit. The sign-in limit
does not depend on this: failed sign-ins are counted in the database.
"""

from __future__ import annotations

import logging

import click
import redis
from flask import Flask
from flask.logging import default_handler
from redis.backoff import NoBackoff
from redis.retry import Retry

from locator.extensions import limiter

_limiter_log = logging.getLogger("flask-limiter")


def redis_options(timeout: float) -> dict:
    """Keyword arguments for a Redis client that gives up quickly: redis-py would otherwise
    retry a failed call ten times with back-off, and wait for a connection as long as TCP."""
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }


def redis_client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(url, **redis_options(timeout))


class _StorageEvents(logging.Filter):
    """Flask-Limiter's storage events only ("…unreachable - falling back…", "…recovered",
    swallowed errors): its other records name the client's address, which we do not log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return str(record.msg).startswith(("Rate limit storage", "Failed to"))


def _log_storage_events() -> None:
    if any(isinstance(f, _StorageEvents) for f in _limiter_log.filters):
        return
    _limiter_log.addFilter(_StorageEvents())
    _limiter_log.addHandler(default_handler)
    _limiter_log.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    # Flask gives the app's logger ("locator") its handler when first asked for it: from now
    # on the modules' loggers ("locator.geo.online") write where the app writes.
    logger = app.logger
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", redis_options(app.config["REDIS_TIMEOUT"])
        )
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    # Flask-Limiter keeps "storage is down" on the (module-wide) Limiter, not per app: a new
    # app starts with its own storage.
    limiter._storage_dead = False
    _log_storage_events()
    if (
        uri.startswith("memory://")
        and app.config.get("RATELIMIT_ENABLED", True)
        and not app.testing
        and click.get_current_context(silent=True) is None  # serving, not a `flask` command
    ):
        logger.warning(
            "Rate limits are counted in this process's memory: each server process (gunicorn "
            "worker) counts on its own, so a visitor may get up to as many times a limit as "
            "there are processes. Set REDIS_URL to share them. The sign-in limit is exact "
            "whatever the storage: failed sign-ins are counted in the database."
        )

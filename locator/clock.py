"""The clock, injectable: tests set `CLOCK` in the config to fix "now"."""

from datetime import UTC, datetime

from flask import current_app


def system_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    return current_app.extensions["locator.clock"]()

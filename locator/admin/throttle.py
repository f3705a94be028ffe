"""The sign-in limit, counted in the database: 5 failed sign-ins per address and e-mail per
minute, exact whichever server process (gunicorn worker) answers.

An attempt is written before the password is checked and removed when it succeeds, so
attempts running at the same moment count too. Writing it and counting happen in one short
transaction that other attempts for the same key wait for: PostgreSQL takes an advisory
lock on the key; SQLite lets one writer at a time, and the first statement is a write.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from locator.models import FailedLogin

LIMIT = 5
WINDOW = timedelta(minutes=1)


def attempt_key(secret: str, address: str, email: str) -> str:
    """The HMAC that stands for (address, e-mail) in the table."""
    message = f"sign-in|{address}|{email.strip().lower()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Attempt:
    """What `begin` decided: go on and check the password, or refuse for `retry_after` s."""

    allowed: bool
    retry_after: int = 0


def begin(session: Session, key: str, now: datetime) -> Attempt:
    """Count an attempt for `key`; refused when it would be one more than LIMIT within
    WINDOW (then nothing is written, and `retry_after` says in how many seconds the oldest
    counted failure leaves the window)."""
    since = now - WINDOW
    # First a write: on SQLite it takes the database's write lock until the commit below.
    session.execute(delete(FailedLogin).where(FailedLogin.created_at < since))
    if session.get_bind().dialect.name == "postgresql":
        lock_id = int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
    session.add(FailedLogin(key=key, created_at=now))
    session.flush()
    count, oldest = session.execute(
        select(func.count(FailedLogin.id), func.min(FailedLogin.created_at)).where(
            FailedLogin.key == key, FailedLogin.created_at >= since
        )
    ).one()
    if count > LIMIT:
        session.rollback()
        return Attempt(False, _seconds_until(oldest, now))
    session.commit()
    return Attempt(True)


def succeeded(session: Session, key: str) -> None:
    """The password was right: the failures counted for this key are forgiven (the caller
    commits)."""
    session.execute(delete(FailedLogin).where(FailedLogin.key == key))


def _seconds_until(oldest: datetime, now: datetime) -> int:
    if oldest.tzinfo is None:  # SQLite returns naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))

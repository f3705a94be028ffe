"""Signed, expiring tokens for the links in volunteers' e-mails.

A token carries only a random public id of the sign-up (never an e-mail address:
links end up in access logs and browser histories) and is signed with a salt per
purpose, so a confirm token can never be used to withdraw, nor the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from locator.clock import system_now

# A confirmation older than a week is stale: signing up again re-sends it.
CONFIRM = "volunteer-confirm"
# Withdrawal must keep working for as long as we keep the data; confirmed volunteers
# get a fresh link on request (the same e-mail signing up again re-sends one).
WITHDRAW = "volunteer-withdraw"
JOIN_WITHDRAW = "join-withdraw"

MAX_AGE = {
    CONFIRM: 7 * 24 * 3600,
    WITHDRAW: 366 * 24 * 3600,
    JOIN_WITHDRAW: 366 * 24 * 3600,
}


class TokenError(Exception):
    """The token is not ours, was altered, or is for another purpose."""


class TokenExpiredError(TokenError):
    """The token was ours but is too old."""


def _serializer(
    secret_key: str | bytes, purpose: str, now: Callable[[], datetime] | None
) -> URLSafeTimedSerializer:
    if purpose not in MAX_AGE:
        raise ValueError(f"unknown token purpose {purpose!r}")

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int((now or system_now)().timestamp())

    return URLSafeTimedSerializer(secret_key, salt=purpose, signer=Signer)


def make_token(
    secret_key: str | bytes,
    purpose: str,
    public_id: str,
    now: Callable[[], datetime] | None = None,
) -> str:
    return _serializer(secret_key, purpose, now).dumps(public_id)


def read_token(
    secret_key: str | bytes,
    purpose: str,
    token: str,
    now: Callable[[], datetime] | None = None,
) -> str:
    """Return the public id a token was made for; raise TokenExpiredError or TokenError."""
    if not isinstance(token, str) or len(token) > 512:
        raise TokenError("malformed")
    try:
        value = _serializer(secret_key, purpose, now).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired as exc:
        raise TokenExpiredError("expired") from exc
    except (BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise TokenError("invalid") from exc
    if not isinstance(value, str):
        raise TokenError("invalid")
    return value

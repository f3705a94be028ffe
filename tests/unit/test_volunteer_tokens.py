"""Signed, expiring links for confirming and withdrawing a sign-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from locator.volunteers.tokens import (
    CONFIRM,
    WITHDRAW,
    TokenError,
    TokenExpiredError,
    make_token,
    read_token,
)

SECRET = "test-secret"
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def at(moment: datetime):
    return lambda: moment


def test_token_round_trips_the_public_id():
    token = make_token(SECRET, CONFIRM, "3f2a9c", now=at(T0))
    assert read_token(SECRET, CONFIRM, token, now=at(T0 + timedelta(hours=1))) == "3f2a9c"


def test_token_is_url_safe_and_carries_no_address():
    token = make_token(SECRET, WITHDRAW, "3f2a9c")
    assert all(c.isalnum() or c in "-_." for c in token)
    assert "@" not in token


def test_confirm_link_expires_after_seven_days():
    token = make_token(SECRET, CONFIRM, "abc", now=at(T0))
    assert read_token(SECRET, CONFIRM, token, now=at(T0 + timedelta(days=6, hours=23))) == "abc"
    with pytest.raises(TokenExpiredError):
        read_token(SECRET, CONFIRM, token, now=at(T0 + timedelta(days=7, seconds=1)))


def test_withdraw_link_lasts_a_year():
    token = make_token(SECRET, WITHDRAW, "abc", now=at(T0))
    assert read_token(SECRET, WITHDRAW, token, now=at(T0 + timedelta(days=365))) == "abc"
    with pytest.raises(TokenExpiredError):
        read_token(SECRET, WITHDRAW, token, now=at(T0 + timedelta(days=367)))


def test_confirm_token_cannot_withdraw_and_back():
    confirm = make_token(SECRET, CONFIRM, "abc")
    withdraw = make_token(SECRET, WITHDRAW, "abc")
    with pytest.raises(TokenError):
        read_token(SECRET, WITHDRAW, confirm)
    with pytest.raises(TokenError):
        read_token(SECRET, CONFIRM, withdraw)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a" * 600, "eyJhIjoxfQ.abc.def", "../../etc/passwd", "%00", "ñ" * 10],
)
def test_garbage_is_refused(token):
    with pytest.raises(TokenError):
        read_token(SECRET, CONFIRM, token)


def test_token_from_another_secret_is_refused():
    token = make_token("other-secret", CONFIRM, "abc")
    with pytest.raises(TokenError):
        read_token(SECRET, CONFIRM, token)


def test_tampered_token_is_refused():
    token = make_token(SECRET, CONFIRM, "abc")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(TokenError):
        read_token(SECRET, CONFIRM, tampered)

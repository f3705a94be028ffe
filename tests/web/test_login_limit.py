"""The sign-in limit (5 failed sign-ins per address and e-mail per minute) is counted in the
database: exact whichever gunicorn worker answers, also for attempts sent at the same
moment, and without keeping anyone's address or e-mail in clear."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from locator.admin import throttle
from locator.extensions import db
from locator.models import FailedLogin
from tests.live_http import Client
from tests.servers import serve
from tests.volunteers_helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    FreshContextClient,
    csrf_token,
    log_in,
    make_admin,
)

REFUSED_EN = "Too many failed sign-ins. Please wait a minute and try again."
REFUSED_UK = "Забагато невдалих спроб входу. Зачекайте хвилину і спробуйте ще раз."


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


def rows() -> list[FailedLogin]:
    db.session.expire_all()
    return list(db.session.scalars(select(FailedLogin)))


def test_the_sixth_failure_waits_for_the_window_then_the_right_password_works(client, clock):
    make_admin()
    for _ in range(5):
        response = log_in(client, password="guess guess guess")
        assert response.status_code == 200
        assert "Неправильна" in response.get_data(as_text=True)
    refused = log_in(client, password="guess guess guess")
    assert refused.status_code == 429
    # A minute (Flask-Limiter rewrites the header in whole seconds of the real clock).
    assert 55 <= int(refused.headers["Retry-After"]) <= 60
    assert REFUSED_UK in refused.get_data(as_text=True)
    assert log_in(client).status_code == 429  # the right password waits too
    assert len(rows()) == 5  # refused attempts are not counted: the wait does not grow

    clock.moment += timedelta(seconds=61)
    assert log_in(client).status_code == 302
    assert rows() == []  # a successful sign-in forgives the failures


def test_the_table_holds_neither_address_nor_e_mail(app, client):
    make_admin()
    log_in(client, password="guess guess guess")
    [row] = rows()
    expected = hmac.new(
        b"test-secret",
        f"sign-in|127.0.0.1|{ADMIN_EMAIL}".encode(),
        hashlib.sha256,
    ).hexdigest()
    assert row.key == expected
    assert "127.0.0.1" not in row.key and "coordinator" not in row.key


def test_old_attempts_are_deleted(client, clock):
    make_admin()
    log_in(client, password="guess guess guess")
    log_in(client, email="other@example.org", password="guess guess guess")
    assert len(rows()) == 2
    clock.moment += timedelta(minutes=2)
    log_in(client, password="guess guess guess")
    assert len(rows()) == 1


def test_an_attempt_waits_for_the_attempts_being_counted(app, clock):
    """Five attempts are being written in another transaction (other workers, at the same
    moment): the next attempt waits for them and counts them, instead of seeing none."""
    key = throttle.attempt_key("test-secret", "192.0.2.1", ADMIN_EMAIL)
    now = clock()
    engine = db.engine
    others = Session(engine)
    if engine.dialect.name == "postgresql":
        lock_id = int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
        others.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
    others.add_all(FailedLogin(key=key, created_at=now) for _ in range(5))
    others.flush()  # written, not committed: on SQLite this holds the write lock

    outcome: list[throttle.Attempt] = []

    def sixth() -> None:
        with Session(engine) as session:
            outcome.append(throttle.begin(session, key, now))

    thread = threading.Thread(target=sixth)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive(), "the sixth attempt did not wait"
    others.commit()
    others.close()
    thread.join(30)
    assert outcome == [throttle.Attempt(False, 60)]


def sign_in(port: int, address: str, email: str, password: str) -> int:
    """One sign-in from `address` (the trusted proxy's X-Forwarded-For)."""
    client = Client(port)
    page = client.get("/admin/login", headers={"X-Forwarded-For": address})
    assert page.status == 200
    token = csrf_token(page.text)
    response = client.post(
        "/admin/login",
        {"email": email, "password": password, "csrf_token": token},
        headers={"X-Forwarded-For": address},
    )
    if response.status == 429:
        assert REFUSED_UK in response.text
        assert int(response.headers["Retry-After"]) >= 1
    return response.status


def test_the_limit_is_exact_across_gunicorn_workers(app, app_config, tmp_path):
    make_admin()
    make_admin(email="second@example.org")
    db.session.remove()
    config = {**app_config, "TRUSTED_PROXIES": 1}
    with serve(config, tmp_path, workers=3) as server:
        statuses = [
            sign_in(server.port, "198.51.100.7", ADMIN_EMAIL, "guess guess guess")
            for _ in range(10)
        ]
        assert statuses == [200] * 5 + [429] * 5
        assert sign_in(server.port, "198.51.100.7", ADMIN_EMAIL, ADMIN_PASSWORD) == 429
        # Another place, or another coordinator, is not locked out by this.
        assert sign_in(server.port, "203.0.113.9", ADMIN_EMAIL, ADMIN_PASSWORD) == 302
        assert sign_in(server.port, "198.51.100.7", "second@example.org", ADMIN_PASSWORD) == 302

        # Twelve attempts at the same moment from one place: five are checked, seven refused.
        results: list[int] = []

        def attempt() -> None:
            results.append(sign_in(server.port, "192.0.2.44", ADMIN_EMAIL, "guess guess guess"))

        threads = [threading.Thread(target=attempt) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(results) == [200] * 5 + [429] * 7

    log = server.log()
    # Said at start-up: the other limits are per process without Redis.
    assert "Rate limits are counted in this process's memory" in log
    for address in ("198.51.100.7", "203.0.113.9", "192.0.2.44"):
        assert address not in log
    assert "Traceback" not in log

"""Forty sign-ups at the same moment against a real threaded server.

Every person who got the success page is stored; every refusal is a 429; nothing else.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from collections import Counter

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from locator.extensions import db
from locator.volunteers.models import OutgoingMail, Volunteer
from tests.fixtures_smtp import free_port
from tests.live_server import close_on_drop
from tests.volunteers_helpers import csrf_token, signup_data

PEOPLE = 40
LIMIT = 25


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(smtp_server.config)
    app_config["VOLUNTEER_RATE_LIMIT"] = f"{LIMIT} per hour"
    return app_config


@pytest.fixture
def live_app(app):
    """The test's app behind werkzeug's threaded server (each request in its own thread)."""
    port = free_port()
    server = make_server("127.0.0.1", port, close_on_drop(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield port
    server.shutdown()
    thread.join(5)
    server.server_close()
    # Request threads may still be tearing down: wait for their connections to come
    # back, then close them all now rather than at garbage collection.
    db.session.remove()
    deadline = time.monotonic() + 10
    while db.engine.pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.05)
    db.engine.dispose()


def open_form(port: int) -> tuple[str, str]:
    """GET /volunteer like a browser: the session cookie and the form's CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/volunteer")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = re.search(r"session=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    conn.close()
    return cookie, csrf_token(html)


def post(port: int, cookie: str, form: dict) -> int:
    body = urllib.parse.urlencode(form, doseq=True)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/volunteer",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={cookie}",
        },
    )
    status = conn.getresponse().status
    conn.close()
    return status


def fire_at_once(port: int, forms: list[dict]) -> list[int]:
    prepared = [(open_form(port), form) for form in forms]
    start = threading.Barrier(len(prepared))
    statuses: list[int] = [0] * len(prepared)

    def one(i: int) -> None:
        (cookie, token), form = prepared[i]
        start.wait()
        statuses[i] = post(port, cookie, {**form, "csrf_token": token})

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(prepared))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses


def test_forty_sign_ups_at_once_each_stored_or_refused_with_429(live_app, smtp_server):
    port = live_app
    forms = [signup_data(email=f"person{i}@example.org", name=f"Особа {i}") for i in range(PEOPLE)]
    statuses = fire_at_once(port, forms)

    counts = Counter(statuses)
    assert set(counts) <= {303, 429}, counts
    assert counts[303] == LIMIT
    succeeded = {f"person{i}@example.org" for i, s in enumerate(statuses) if s == 303}
    stored = set(db.session.scalars(select(Volunteer.email)))
    assert stored == succeeded
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == LIMIT
    assert len(smtp_server.wait_for(LIMIT, timeout=30)) == LIMIT


def test_the_same_address_at_once_makes_one_volunteer(live_app):
    port = live_app
    forms = [signup_data(email="Same.Person@example.org") for _ in range(10)]
    statuses = fire_at_once(port, forms)
    assert statuses == [303] * 10
    assert db.session.scalar(select(func.count(Volunteer.id))) == 1

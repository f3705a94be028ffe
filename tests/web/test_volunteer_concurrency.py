"""Forty sign-ups at the same moment against a real threaded server.

Every person who got the success page is stored; every refusal is a 429; nothing else.
Twenty at once with one address get three mails, as one at a time would.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from locator.extensions import db
from locator.mail.models import MailAllowance, OutgoingMail
from locator.volunteers.models import Volunteer
from tests.fixtures_smtp import free_port
from tests.live_http import fire_at_once
from tests.live_server import close_on_drop
from tests.volunteers_helpers import send_queued_mail, signup_data

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


def test_forty_sign_ups_at_once_each_stored_or_refused_with_429(app, live_app, smtp_server):
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
    send_queued_mail(app)
    assert len(smtp_server.wait_for(LIMIT, timeout=30)) == LIMIT


def test_the_same_address_at_once_makes_one_volunteer(live_app):
    port = live_app
    forms = [signup_data(email="Same.Person@example.org") for _ in range(10)]
    statuses = fire_at_once(port, forms)
    assert statuses == [303] * 10
    assert db.session.scalar(select(func.count(Volunteer.id))) == 1


def test_twenty_sign_ups_at_once_with_one_address_send_three_mails(app, live_app, smtp_server):
    forms = [signup_data(email="Same.Person@example.org") for _ in range(20)]
    statuses = fire_at_once(live_app, forms)
    assert statuses == [303] * 20
    assert db.session.scalar(select(func.count(Volunteer.id))) == 1
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 3

    assert "Sent 3, failed 0" in send_queued_mail(app)
    assert len(smtp_server.wait_for(3)) == 3
    time.sleep(0.2)
    assert len(smtp_server.messages) == 3
    # What the cap keeps of the address is a keyed hash, not the address.
    keys = db.session.scalars(select(MailAllowance.address_key)).all()
    assert len(keys) == 3 and not any("same" in key or "example" in key for key in keys)

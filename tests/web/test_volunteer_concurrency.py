"""Forty sign-ups at the same moment against a real threaded server.

Every person who got the success page is stored; every refusal is a 429; nothing else.
Twenty at once with one address get three mails, as one at a time would.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from locator.extensions import db
from locator.mail.models import MailAllowance, OutgoingMail
from locator.volunteers.models import Volunteer
from tests.live_http import fire_at_once
from tests.volunteers_helpers import send_queued_mail, signup_data

PEOPLE = 40
LIMIT = 25


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(smtp_server.config)
    app_config["VOLUNTEER_RATE_LIMIT"] = f"{LIMIT} per hour"
    return app_config


def test_forty_sign_ups_at_once_each_stored_or_refused_with_429(app, live_port, smtp_server):
    port = live_port
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


def test_the_same_address_at_once_makes_one_volunteer(live_port):
    port = live_port
    forms = [signup_data(email="Same.Person@example.org") for _ in range(10)]
    statuses = fire_at_once(port, forms)
    assert statuses == [303] * 10
    assert db.session.scalar(select(func.count(Volunteer.id))) == 1


def test_twenty_sign_ups_at_once_with_one_address_send_three_mails(app, live_port, smtp_server):
    forms = [signup_data(email="Same.Person@example.org") for _ in range(20)]
    statuses = fire_at_once(live_port, forms)
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

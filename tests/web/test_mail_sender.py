"""The mail sender beside gunicorn, as deployed: a stalled mail server holds no page.

Everything here is a real process: gunicorn with two sync workers serving `wsgi:app`, the
sender `flask --app wsgi mail work`, an aiosmtpd server on loopback that stalls and then
recovers, and the test's database (SQLite file or PostgreSQL) shared by all of them.
"""

from __future__ import annotations

import re
import signal
import time

import pytest
from sqlalchemy import select

from locator.extensions import db
from locator.mail.models import OutgoingMail
from tests.fixtures_smtp import StallingSink
from tests.live_http import fire_at_once, get
from tests.servers import app_env, flask_command, gunicorn
from tests.volunteers_helpers import sign_up, signup_data

SIGN_UPS = 6
# The sender waits this long for each answer of the mail server before giving up: far
# longer than a visitor should ever wait for a page.
MAIL_TIMEOUT = 20
PAGE_WAIT = 2.0


@pytest.fixture
def sink():
    server = StallingSink().start()
    yield server
    server.stop()


def mails() -> list[OutgoingMail]:
    """The queue as it is now (no transaction left open: SQLite's writers would wait)."""
    db.session.expire_all()
    rows = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    db.session.rollback()
    return rows


def sent_count(output: str) -> int:
    return int(re.search(r"Sent (\d+), failed 0\.", output).group(1))


def test_pages_answer_while_sign_ups_wait_on_a_stalled_mail_server(app, sink, tmp_path):
    db.session.remove()
    env = app_env(app, **sink.config, MAIL_TIMEOUT=MAIL_TIMEOUT)
    log = tmp_path / "servers.log"
    sender = flask_command(env, "mail", "work", "--interval", "0.2", log=log)
    try:
        with gunicorn(
            env, log, workers=2, args=("--worker-class", "sync", "--access-logfile", "/dev/null")
        ) as server:
            port = server.port
            for path in ("/", "/volunteer", "/", "/volunteer"):  # both workers warmed up
                assert get(port, path)[0] == 200
            people = [f"person{n}@example.org" for n in range(SIGN_UPS)]
            statuses = fire_at_once(port, [signup_data(email=who) for who in people])
            assert statuses == [303] * SIGN_UPS

            sink.wait_held(1)  # the sender is stuck talking to the stalled server
            for _ in range(5):
                for path in ("/", "/healthz", "/volunteer"):
                    status, took = get(port, path)
                    assert status == 200
                    assert took < PAGE_WAIT, f"{path} took {took:.2f} s"
            assert sink.messages == []
            assert len(mails()) == SIGN_UPS  # every sign-up's mail is kept
            assert {m.status for m in mails()} <= {"pending", "sending"}

            # The sender stops after the mail it is sending, once the server answers.
            sender.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            sink.recover()
            assert sender.wait(timeout=MAIL_TIMEOUT + 10) == 0, log.read_text()
        assert len(sink.messages) == 1

        # The server is back: the rest go out, none twice.
        drain = flask_command(env, "mail", "work", "--once", log=log)
        assert drain.wait(timeout=60) == 0, log.read_text()
        assert f"Sent {SIGN_UPS - 1}, failed 0." in log.read_text()
        received = sink.wait_for(SIGN_UPS)
        time.sleep(0.3)
        assert len(sink.messages) == SIGN_UPS
        assert sorted(m["To"] for m in received) == sorted(people)
        assert [(m.status, m.attempts) for m in mails()] == [("sent", 1)] * SIGN_UPS
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()


def test_two_senders_over_one_queue_send_each_mail_once(app, client, sink, tmp_path):
    app.config["VOLUNTEER_RATE_LIMIT"] = "100 per hour"
    people = [f"person{n}@example.org" for n in range(30)]
    for who in people:
        assert sign_up(client, email=who).status_code == 303
    db.session.remove()

    env = app_env(app, **sink.config, MAIL_TIMEOUT=MAIL_TIMEOUT)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    senders = [flask_command(env, "mail", "work", "--once", log=log) for log in logs]
    try:
        sink.wait_held(2)  # both are sending, each a mail of its own
        sink.recover()
        for sender, log in zip(senders, logs, strict=True):
            assert sender.wait(timeout=60) == 0, log.read_text()
    finally:
        for sender in senders:
            if sender.poll() is None:
                sender.kill()
                sender.wait()
    counts = [sent_count(log.read_text()) for log in logs]
    assert min(counts) >= 1 and sum(counts) == len(people), counts
    received = sink.wait_for(len(people))
    time.sleep(0.3)
    assert len(sink.messages) == len(people)
    assert sorted(m["To"] for m in received) == sorted(people)
    assert {(m.status, m.attempts) for m in mails()} == {("sent", 1)}

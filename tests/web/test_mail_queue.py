"""Store first, send after: a dead or slow mail server never loses or blocks a sign-up."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from locator.extensions import db
from locator.volunteers.models import OutgoingMail, Volunteer
from tests.fixtures_smtp import SmtpSink, free_port
from tests.volunteers_helpers import csrf_token, links, sign_up, signup_data


def the_mail() -> OutgoingMail:
    db.session.expire_all()
    return db.session.scalar(select(OutgoingMail))


@pytest.fixture
def dead_port(app_config) -> int:
    port = free_port()  # nothing listens here (yet)
    app_config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port})
    return port


@pytest.fixture
def stalled(app_config, stalled_smtp_server):
    app_config.update(stalled_smtp_server.config)
    app_config["MAIL_TIMEOUT"] = 0.5
    return stalled_smtp_server


def test_dead_server_sign_up_is_kept_and_retry_sends_it_later(dead_port, client, runner, caplog):
    caplog.set_level(logging.DEBUG)
    response = sign_up(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/volunteer/thanks")
    assert db.session.scalar(select(Volunteer.email)) == "olena.petrenko@example.org"
    mail = the_mail()
    assert (mail.status, mail.attempts, mail.last_error) == ("failed", 1, "ConnectionRefusedError")
    assert "olena" not in caplog.text.lower()
    assert "example.org" not in caplog.text

    sink = SmtpSink(dead_port).start()
    try:
        result = runner.invoke(args=["mail", "retry"])
        assert result.exit_code == 0, result.output
        assert "Sent 1, failed 0" in result.output
        [message] = sink.wait_for(1)
        assert message["To"] == "olena.petrenko@example.org"
        assert "confirm" in links(message)
        mail = the_mail()
        assert (mail.status, mail.attempts, mail.last_error) == ("sent", 2, "")

        again = runner.invoke(args=["mail", "retry"])  # nothing is sent twice
        assert "Sent 0, failed 0" in again.output
        assert len(sink.messages) == 1
    finally:
        sink.stop()


def test_stalled_server_costs_one_timeout_and_the_failure_is_recorded(stalled, client, runner):
    started = time.monotonic()
    response = sign_up(client)
    assert response.status_code == 303
    assert time.monotonic() - started < 5
    mail = the_mail()
    assert mail.status == "failed"
    assert mail.last_error in {"TimeoutError", "SMTPServerDisconnected"}

    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 1  # cron sees that mail is still failing
    assert "failed 1" in result.output
    assert the_mail().attempts == 2


def test_the_answer_is_complete_before_any_mail_is_sent(stalled, client):
    """The server closes a response after its last byte; only then is the mail sent."""
    page = client.get("/volunteer").get_data(as_text=True)
    data = {**signup_data(), "csrf_token": csrf_token(page)}
    response = client.post("/volunteer", data=data, buffered=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/volunteer/thanks")
    db.session.expire_all()
    assert db.session.scalar(select(Volunteer.email)) == "olena.petrenko@example.org"
    assert the_mail().status == "pending"
    assert stalled._conns == []  # the mail server has not even been asked

    response.close()
    mail = the_mail()
    assert (mail.status, mail.attempts) == ("failed", 1)


def test_retry_gives_up_after_ten_attempts(dead_port, client, runner):
    sign_up(client)
    for _ in range(12):
        runner.invoke(args=["mail", "retry"])
    assert the_mail().attempts == 10
    assert the_mail().status == "failed"


def test_without_a_mail_server_the_mail_is_written_to_the_outbox(app, client):
    assert sign_up(client).status_code == 303
    outbox = Path(app.instance_path) / "outbox"
    [path] = list(outbox.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "olena.petrenko@example.org"
    confirm = links(message)["confirm"]
    assert client.get(confirm).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Volunteer.status)) == "confirmed"
    assert the_mail().status == "sent"


def _outbox_mail(outbox: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


def test_withdrawal_deletes_the_persons_mails_from_the_outbox_too(app, client):
    outbox = Path(app.instance_path) / "outbox"
    assert sign_up(client).status_code == 303
    assert sign_up(client).status_code == 303  # the same address again: a second mail
    assert sign_up(client, email="taras@example.org", phone="067 765 43 21").status_code == 303
    mails = _outbox_mail(outbox)
    assert sorted(m["To"] for m in mails) == [
        "olena.petrenko@example.org",
        "olena.petrenko@example.org",
        "taras@example.org",
    ]
    assert not any("olena" in path.name.lower() for path in outbox.iterdir())

    withdraw = links(next(m for m in mails if m["To"] == "olena.petrenko@example.org"))["withdraw"]
    page = client.get(withdraw).get_data(as_text=True)
    assert client.post(withdraw, data={"csrf_token": csrf_token(page)}).status_code == 303

    left = _outbox_mail(outbox)
    assert [m["To"] for m in left] == ["taras@example.org"]
    assert not any(
        b"Olena" in p.read_bytes() or b"olena" in p.read_bytes() for p in outbox.iterdir()
    )


def test_purge_deletes_outbox_mail_of_unconfirmed_sign_ups(app, client, runner, clock):
    outbox = Path(app.instance_path) / "outbox"
    assert sign_up(client).status_code == 303
    clock.moment += timedelta(days=31)
    assert sign_up(client, email="taras@example.org", phone="067 765 43 21").status_code == 303
    old = next(p for p in outbox.glob("*.eml") if b"olena" in p.read_bytes().lower())
    month_ago = time.time() - 31 * 24 * 3600
    os.utime(old, (month_ago, month_ago))  # file times follow the real clock, not the test's

    result = runner.invoke(args=["volunteers", "purge"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in _outbox_mail(outbox)] == ["taras@example.org"]

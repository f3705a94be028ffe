"""Store first, send after: the request queues the mail, the mail sender (`flask mail work`)
sends it; a dead or slow mail server never loses or blocks a sign-up."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from locator import mail as mail_queue
from locator.extensions import db
from locator.mail.models import OutgoingMail
from locator.volunteers.models import Volunteer
from tests.fixtures_smtp import SmtpSink
from tests.servers import free_port
from tests.volunteers_helpers import csrf_token, links, send_queued_mail, sign_up


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


def work_once(runner) -> tuple[int, str]:
    result = runner.invoke(args=["mail", "work", "--once"])
    return result.exit_code, result.output


def test_the_request_only_queues_the_mail_and_never_calls_the_mail_server(stalled, client):
    started = time.monotonic()
    response = sign_up(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/volunteer/thanks")
    assert time.monotonic() - started < 5
    db.session.expire_all()
    assert db.session.scalar(select(Volunteer.email)) == "olena.petrenko@example.org"
    mail = the_mail()
    assert (mail.status, mail.attempts) == ("pending", 0)
    time.sleep(0.2)
    assert stalled._conns == []  # the mail server has not even been asked


def test_dead_server_sign_up_is_kept_and_retry_sends_it_later(dead_port, client, runner, caplog):
    caplog.set_level(logging.DEBUG)
    assert sign_up(client).status_code == 303
    code, output = work_once(runner)
    assert code == 1  # cron sees that mail is failing
    assert "Sent 0, failed 1" in output
    mail = the_mail()
    assert (mail.status, mail.attempts, mail.last_error) == ("failed", 1, "ConnectionRefusedError")
    assert "olena" not in caplog.text.lower()
    assert "example.org" not in caplog.text

    sink = SmtpSink(dead_port).start()
    try:
        result = runner.invoke(args=["mail", "retry"])  # now, whatever the backoff says
        assert result.exit_code == 0, result.output
        assert "Sent 1, failed 0" in result.output
        [message] = sink.wait_for(1)
        assert message["To"] == "olena.petrenko@example.org"
        assert "confirm" in links(message)
        mail = the_mail()
        assert (mail.status, mail.attempts, mail.last_error) == ("sent", 2, "")

        again = runner.invoke(args=["mail", "retry"])  # nothing is sent twice
        assert "Sent 0, failed 0" in again.output
        assert work_once(runner) == (0, "Sent 0, failed 0.\n")
        assert len(sink.messages) == 1
    finally:
        sink.stop()


def test_a_failed_mail_waits_longer_after_each_failure(dead_port, client, runner, clock):
    assert sign_up(client).status_code == 303
    assert work_once(runner)[0] == 1
    attempts = 1
    for wait in (30, 60, 120, 240):
        clock.moment += timedelta(seconds=wait - 1)
        assert work_once(runner) == (0, "Sent 0, failed 0.\n")  # not yet
        assert the_mail().attempts == attempts
        clock.moment += timedelta(seconds=1)
        assert work_once(runner) == (1, "Sent 0, failed 1.\n")
        attempts += 1
        assert the_mail().attempts == attempts

    sink = SmtpSink(dead_port).start()  # the server is back
    try:
        clock.moment += timedelta(seconds=480)
        assert work_once(runner) == (0, "Sent 1, failed 0.\n")
        assert len(sink.wait_for(1)) == 1
        assert the_mail().status == "sent"
    finally:
        sink.stop()


def test_stalled_server_costs_the_sender_one_timeout_and_the_failure_is_recorded(
    stalled, client, runner
):
    assert sign_up(client).status_code == 303
    started = time.monotonic()
    assert work_once(runner) == (1, "Sent 0, failed 1.\n")
    assert time.monotonic() - started < 5
    mail = the_mail()
    assert mail.status == "failed"
    assert mail.last_error in {"TimeoutError", "SMTPServerDisconnected"}

    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 1  # cron sees that mail is still failing
    assert "failed 1" in result.output
    assert the_mail().attempts == 2


def test_a_mail_left_by_a_sender_that_died_is_sent_once_its_lease_runs_out(
    app, client, runner, clock, smtp_server
):
    app.config.update(smtp_server.config)
    assert sign_up(client).status_code == 303
    # A sender claimed it a minute ago and died mid-send.
    db.session.execute(
        update(OutgoingMail).values(
            status="sending", attempts=1, last_attempt_at=clock() - timedelta(minutes=1)
        )
    )
    db.session.commit()
    assert work_once(runner) == (0, "Sent 0, failed 0.\n")  # its lease still holds
    assert smtp_server.messages == []

    clock.moment += timedelta(minutes=5)
    assert work_once(runner) == (0, "Sent 1, failed 0.\n")
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "olena.petrenko@example.org"
    mail = the_mail()
    assert (mail.status, mail.attempts) == ("sent", 2)


def test_the_running_sender_sends_what_is_queued_and_stops_when_asked(app, client, smtp_server):
    app.config.update(smtp_server.config)
    stop = threading.Event()

    def sender() -> None:
        with app.app_context():
            mail_queue.run_sender(stop, interval=0.05)

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        assert sign_up(client).status_code == 303
        [message] = smtp_server.wait_for(1)
        assert message["To"] == "olena.petrenko@example.org"
        assert sign_up(client, email="taras@example.org", phone="067 765 43 21").status_code == 303
        assert len(smtp_server.wait_for(2)) == 2
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert [m.status for m in db.session.scalars(select(OutgoingMail))] == ["sent", "sent"]


def test_retry_gives_up_after_ten_attempts(dead_port, client, runner):
    sign_up(client)
    for _ in range(12):
        runner.invoke(args=["mail", "retry"])
    assert the_mail().attempts == 10
    assert the_mail().status == "failed"
    assert work_once(runner) == (0, "Sent 0, failed 0.\n")
    assert the_mail().attempts == 10


def test_without_a_mail_server_the_mail_is_written_to_the_outbox(app, client):
    assert sign_up(client).status_code == 303
    outbox = Path(app.instance_path) / "outbox"
    assert not outbox.exists()  # queued, not yet sent
    assert "Sent 1, failed 0" in send_queued_mail(app)
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
    send_queued_mail(app)
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
    assert "Sent 2, failed 0" in send_queued_mail(app)
    old = next(p for p in outbox.glob("*.eml") if b"olena" in p.read_bytes().lower())
    month_ago = time.time() - 31 * 24 * 3600
    os.utime(old, (month_ago, month_ago))  # file times follow the real clock, not the test's

    result = runner.invoke(args=["volunteers", "purge"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in _outbox_mail(outbox)] == ["taras@example.org"]

"""Asking the network's experts a question, and coordinators answering it."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from locator.extensions import db
from locator.feedback.models import Question
from locator.mail.models import OutgoingMail
from tests.volunteers_helpers import csrf_token, send_queued_mail, sign_in


def csrf(client, url: str = "/ask") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def ask(client, **fields):
    data = {
        "name": "Оксана",
        "contact": "oksana@example.org",
        "region": "Харківська область",
        "topic": "housing",
        "question": "Власник квартири просить виїхати за тиждень. Що робити?",
        "csrf_token": csrf(client),
    }
    data.update(fields)
    return client.post("/ask?lang=en", data=data)


def questions() -> list[Question]:
    return list(db.session.scalars(select(Question).order_by(Question.id)))


def test_the_form_states_its_fields_limits_and_the_chat_status(client):
    html = client.get("/ask?lang=en").get_data(as_text=True)
    for label in ["Your name", "E-mail or phone", "City or region", "Topic", "Your question"]:
        assert label in html
    assert "From 10 to 3000 characters." in html
    assert 'name="website_url"' in html and 'tabindex="-1"' in html
    assert "The online consultation is open now." in html  # Wednesday 11:00 in Kyiv


def test_a_question_with_an_e_mail_is_stored_and_acknowledged(app, client):
    response = ask(client)

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A confirmation is on its way to oksana@example.org" in page
    [question] = questions()
    assert (question.name, question.contact, question.contact_kind) == (
        "Оксана",
        "oksana@example.org",
        "email",
    )
    assert question.topic == "housing" and question.status == "new"
    assert "Sent 1, failed 0" in send_queued_mail(app)
    [mail] = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    message = message_from_bytes(mail.read_bytes(), policy=policy.default)
    assert message["To"] == "oksana@example.org"
    assert message["Subject"] == "We have received your question"
    assert "Власник квартири просить виїхати" in message.get_body(("plain",)).get_content()


def use_mail_server(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    app.extensions.pop("locator.mailer", None)  # built again from the new settings


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback, and the app's mail sent to it."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free loopback port (aiosmtpd cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    use_mail_server(app, port)
    yield controller, inbox
    controller.stop()


def test_the_acknowledgement_goes_through_a_real_smtp_server(smtp_server, client):
    _controller, inbox = smtp_server

    ask(client, contact="Petro@Example.org", name="Petro")
    assert inbox.messages == []  # the request only queued it
    send_queued_mail(client)

    deadline = time.monotonic() + 5
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    [raw] = inbox.messages
    message = message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "Petro@example.org"
    assert "Hello, Petro!" in message.get_body(("plain",)).get_content()


def test_a_phone_number_is_stored_in_international_form_and_no_mail_is_sent(app, client):
    response = ask(client, contact="050 123 45 67")

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "An expert will call you back." in page
    [question] = questions()
    assert (question.contact, question.contact_kind) == ("+380501234567", "phone")
    outbox = Path(app.instance_path) / "outbox"
    assert not outbox.exists() or not list(outbox.glob("*.eml"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"contact": "not a contact"}, "Give an e-mail address"),
        ({"contact": "123"}, "Give an e-mail address"),
        ({"name": ""}, "This field is required."),
        ({"question": "short"}, "between 10 and 3000 characters"),
        ({"question": "x" * 3001}, "between 10 and 3000 characters"),
        ({"name": "n" * 101}, "longer than 100 characters"),
        ({"topic": "weather"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, fields, message):
    response = ask(client, **fields)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert questions() == []


def test_without_the_csrf_token_nothing_is_stored(client):
    response = ask(client, csrf_token="")
    assert response.status_code == 400
    assert questions() == []


def test_the_honeypot_looks_like_success_but_keeps_nothing(client):
    response = ask(client, website_url="http://spam.example")
    assert response.status_code == 302
    assert questions() == []


def test_a_sixth_question_within_an_hour_is_refused(client):
    for _ in range(5):
        assert ask(client).status_code == 302
    assert ask(client).status_code == 429
    assert len(questions()) == 5


def test_coordinators_see_questions_as_text_mark_them_answered_and_delete_them(client):
    ask(client, name="<script>alert(1)</script>", question="<b>bold?</b> Як оформити субсидію?")
    [question] = questions()

    assert client.get("/admin/questions").status_code == 302  # strangers go to the login
    sign_in(client)
    html = client.get("/admin/questions?lang=en").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "mailto:oksana@example.org" in html

    assert question.ack_mail_id is not None
    token = csrf(client, "/admin/questions")
    client.post(f"/admin/questions/{question.id}/answered", data={"csrf_token": token})
    db.session.refresh(question)
    assert question.status == "answered" and question.answered_at is not None
    waiting = client.get("/admin/questions?status=new&lang=en").get_data(as_text=True)
    assert "No questions here." in waiting

    assert client.post(f"/admin/questions/{question.id}/delete").status_code == 400  # no token
    client.post(f"/admin/questions/{question.id}/delete", data={"csrf_token": token})
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    # The stored acknowledgement quoted the question: it is gone too.
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


@pytest.fixture
def dead_smtp(app):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use_mail_server(app, port)


def test_when_the_mail_server_is_down_the_question_is_kept_and_the_mail_queued(
    dead_smtp, client, runner
):
    response = ask(client)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A confirmation is on its way to oksana@example.org" in page  # retried later
    [question] = questions()
    mail = db.session.get(OutgoingMail, question.ack_mail_id)
    assert mail.status == "pending" and mail.to_address == "oksana@example.org"

    result = runner.invoke(args=["mail", "work", "--once"])
    assert result.exit_code == 1 and "Sent 0, failed 1" in result.output
    db.session.expire_all()
    assert db.session.get(OutgoingMail, question.ack_mail_id).status == "failed"


def test_asking_does_not_log_personal_data(client, caplog):
    with caplog.at_level("DEBUG"):
        ask(client, contact="secret.person@example.org", name="Secret Person")
        send_queued_mail(client)
    assert "secret.person" not in caplog.text and "Secret Person" not in caplog.text

"""The mailer against real SMTP servers on loopback, and the file outbox."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import UTC, datetime

import pytest

from locator.mail.mailer import Mailer, MailError, MailSettings, Message, outbox_key
from tests.fixtures_smtp import SmtpSink
from tests.servers import free_port

FIXED = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)


def message(**kw) -> Message:
    values = {
        "to": "olena@example.org",
        "subject": "Підтвердіть реєстрацію",
        "text": "Вітаємо! Перейдіть за посиланням: http://localhost/volunteer/confirm/abc",
        "html": "<p>Вітаємо! <a href='http://localhost/volunteer/confirm/abc'>Підтвердити</a></p>",
    }
    values.update(kw)
    return Message(**values)


def smtp_mailer(host: str, port: int, timeout: float = 10.0, **kw) -> Mailer:
    settings = MailSettings(
        server=host,
        port=port,
        timeout=timeout,
        default_sender="Мережа <noreply@help.example>",
        **kw,
    )
    return Mailer(settings, now=lambda: FIXED)


def test_smtp_delivers_multipart_text_and_html(smtp_server):
    smtp_mailer(smtp_server.host, smtp_server.port).send(message())

    [received] = smtp_server.wait_for(1)
    assert smtp_server.envelopes == [("noreply@help.example", ["olena@example.org"])]
    assert received["To"] == "olena@example.org"
    assert received["Subject"] == "Підтвердіть реєстрацію"
    assert received["From"] == "Мережа <noreply@help.example>"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Message-ID"].endswith("@help.example>")
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "http://localhost/volunteer/confirm/abc" in text
    assert "<a href='http://localhost/volunteer/confirm/abc'>" in html


def test_text_only_message_is_single_part(smtp_server):
    smtp_mailer(smtp_server.host, smtp_server.port).send(message(html=None))

    [received] = smtp_server.wait_for(1)
    assert received.get_content_type() == "text/plain"
    assert "Вітаємо" in received.get_content()


def test_extra_headers_are_sent(smtp_server):
    mailer = smtp_mailer(smtp_server.host, smtp_server.port)
    mailer.send(message(headers={"List-Unsubscribe": "<http://localhost/volunteer/withdraw/x>"}))

    [received] = smtp_server.wait_for(1)
    assert received["List-Unsubscribe"] == "<http://localhost/volunteer/withdraw/x>"


def test_no_server_writes_eml_files_to_the_outbox(tmp_path):
    mailer = Mailer(MailSettings(server=None, outbox=tmp_path / "outbox"), now=lambda: FIXED)
    mailer.send(message())
    mailer.send(message(to="taras@example.org"))

    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    # Named by a hash of the address (a withdrawal finds them), not by the address itself.
    assert sorted(f.name.split("-")[:2] for f in files) == sorted(
        [outbox_key(to), "20261127T213000"] for to in ("olena@example.org", "taras@example.org")
    )
    assert not any("olena" in f.name or "taras" in f.name for f in files)
    assert not list((tmp_path / "outbox").glob(".*"))  # no temporary files left behind
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert sorted(m["To"] for m in parsed) == ["olena@example.org", "taras@example.org"]
    assert parsed[0].get_body(("html",)) is not None


def test_nothing_listening_fails_quickly_with_a_safe_reason():
    mailer = smtp_mailer("127.0.0.1", free_port(), timeout=2)

    started = time.monotonic()
    with pytest.raises(MailError) as caught:
        mailer.send(message())
    assert time.monotonic() - started < 2
    assert caught.value.reason == "ConnectionRefusedError"
    assert "olena" not in str(caught.value)


def test_stalled_server_gives_up_after_the_timeout(stalled_smtp_server):
    mailer = smtp_mailer(stalled_smtp_server.host, stalled_smtp_server.port, timeout=0.5)

    started = time.monotonic()
    with pytest.raises(MailError) as caught:
        mailer.send(message())
    assert time.monotonic() - started < 3
    assert caught.value.reason in {"TimeoutError", "SMTPServerDisconnected"}


def test_server_started_later_receives_the_retry():
    port = free_port()
    mailer = smtp_mailer("127.0.0.1", port, timeout=2)
    with pytest.raises(MailError):
        mailer.send(message())

    sink = SmtpSink(port).start()
    try:
        mailer.send(message())
        assert len(sink.wait_for(1)) == 1
    finally:
        sink.stop()


def test_refused_recipient_is_a_mail_error_without_the_address(smtp_server):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 No such user"

    smtp_server.handle_RCPT = refuse
    with pytest.raises(MailError) as caught:
        smtp_mailer(smtp_server.host, smtp_server.port).send(message())
    assert caught.value.reason == "SMTPRecipientsRefused"
    assert "olena" not in str(caught.value)
    assert smtp_server.messages == []


@pytest.mark.parametrize("field", ["to", "subject"])
def test_line_breaks_in_headers_are_refused(field, tmp_path):
    mailer = Mailer(MailSettings(server=None, outbox=tmp_path))
    with pytest.raises(ValueError):
        mailer.send(message(**{field: "a@example.org\r\nBcc: victim@example.org"}))
    assert not list(tmp_path.glob("*.eml"))


def test_settings_follow_flask_mail_names(tmp_path):
    settings = MailSettings.from_config(
        {
            "MAIL_SERVER": "smtp.example.org",
            "MAIL_PORT": "587",
            "MAIL_USE_TLS": "true",
            "MAIL_USERNAME": "robot",
            "MAIL_PASSWORD": "secret",
            "MAIL_DEFAULT_SENDER": ("Help Locator", "noreply@example.org"),
        },
        tmp_path,
    )
    assert settings.server == "smtp.example.org"
    assert settings.port == 587
    assert settings.use_tls is True and settings.use_ssl is False
    assert (settings.username, settings.password) == ("robot", "secret")
    assert settings.default_sender == "Help Locator <noreply@example.org>"
    assert settings.timeout == 10.0

    empty = MailSettings.from_config({"MAIL_SERVER": ""}, tmp_path)
    assert empty.server is None
    assert empty.outbox == tmp_path / "outbox"
    assert Mailer(empty).uses_outbox

"""The acknowledgement sent to someone who asked a question by e-mail.

It goes through `send_mail(to, subject, text, html)`: the shared mailer
(`locator.mailer`, built by the volunteers area: SMTP with Flask-Mail's setting names, or
.eml files in instance/outbox/ without MAIL_SERVER) when the app has it; until then a
small stand-in with the same behaviour. The question is stored before any mail is tried."""

from __future__ import annotations

import importlib
import importlib.util
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from locator.feedback.models import Question

MAILER_EXTENSION = "locator.mailer"


def send_mail(to: str, subject: str, text: str, html: str | None = None) -> None:
    app = current_app
    mailer = app.extensions.get(MAILER_EXTENSION)
    if mailer is None and importlib.util.find_spec("locator.mailer") is not None:
        module = importlib.import_module("locator.mailer")
        mailer = module.Mailer(module.MailSettings.from_config(app.config, app.instance_path))
        app.extensions[MAILER_EXTENSION] = mailer
    if mailer is not None:
        module = importlib.import_module("locator.mailer")
        mailer.send(module.Message(to=to, subject=subject, text=text, html=html))
        return
    _stand_in_send(to, subject, text, html)


def _stand_in_send(to: str, subject: str, text: str, html: str | None) -> None:
    config = current_app.config
    if "\n" in to or "\r" in to or "\n" in subject or "\r" in subject:
        raise ValueError("line break in a mail header")
    msg = EmailMessage()
    msg["From"] = config.get("MAIL_DEFAULT_SENDER") or "Help Locator <noreply@localhost>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if not config.get("MAIL_SERVER"):
        outbox = Path(config.get("MAIL_OUTBOX_DIR") or Path(current_app.instance_path) / "outbox")
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / f"question-{uuid.uuid4().hex[:12]}.eml").write_bytes(msg.as_bytes())
        return
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    with smtplib.SMTP(
        config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=timeout
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)


def acknowledge_question(question: Question) -> bool:
    """Send the acknowledgement; a failure is logged (without the address) and not raised."""
    with force_locale(question.lang):
        subject = _("We have received your question")
        context = {"question": question, "site_url": current_app.config["SITE_URL"]}
        text = render_template("feedback/email/ack.txt", **context)
        html = render_template("feedback/email/ack.html", **context)
    try:
        send_mail(question.contact, subject, text, html)
    except Exception as exc:  # the question is stored; the mail is a courtesy
        current_app.logger.warning(
            "acknowledgement for question %s not sent: %s", question.id, type(exc).__name__
        )
        return False
    return True

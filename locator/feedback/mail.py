"""The acknowledgement sent to someone who asked a question by e-mail.

Store first, send after, with `locator.mail`: the mail is queued in the question's
transaction and sent by the mail sender (`flask mail work`), which tries a failure again
later."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from locator import mail
from locator.feedback.models import Question
from locator.mail import Message


def compose_acknowledgement(question: Question) -> Message:
    lang = question.lang if question.lang in current_app.config["LANGUAGES"] else "uk"
    with force_locale(lang):
        subject = _("We have received your question")
        context = {"question": question, "site_url": current_app.config["SITE_URL"]}
        text = render_template("feedback/email/ack.txt", **context)
        html = render_template("feedback/email/ack.html", **context)
    return Message(to=question.contact, subject=subject, text=text, html=html)


def queue_acknowledgement(session: Session, question: Question) -> int:
    """Add the mail to the question's transaction (the caller commits); its id."""
    mail_id = mail.enqueue(session, compose_acknowledgement(question))
    question.ack_mail_id = mail_id
    return mail_id


def forget_acknowledgement(session: Session, question: Question) -> None:
    """The stored mail quotes the question: it goes when the question goes."""
    mail.discard(session, [question.ack_mail_id])

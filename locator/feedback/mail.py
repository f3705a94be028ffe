"""The acknowledgement sent to someone who asked a question by e-mail.

Store first, send after, with the shared mail queue (`locator.volunteers.outbox`) and
mailer (`locator.mailer`: SMTP with Flask-Mail's setting names, or .eml files in
instance/outbox/ without MAIL_SERVER): the mail is queued in the question's transaction and
sent by the mail sender (`flask mail work`), which tries a failure again later."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy.orm import Session

from locator import clock
from locator.feedback.models import Question
from locator.mailer import Message
from locator.volunteers import outbox
from locator.volunteers.models import OutgoingMail


def compose_acknowledgement(question: Question) -> Message:
    lang = question.lang if question.lang in current_app.config["LANGUAGES"] else "uk"
    with force_locale(lang):
        subject = _("We have received your question")
        context = {"question": question, "site_url": current_app.config["SITE_URL"]}
        text = render_template("feedback/email/ack.txt", **context)
        html = render_template("feedback/email/ack.html", **context)
    return Message(to=question.contact, subject=subject, text=text, html=html)


def queue_acknowledgement(session: Session, question: Question) -> OutgoingMail:
    """Add the mail to the question's transaction (the caller commits)."""
    mail = outbox.queue(session, compose_acknowledgement(question), now=clock.now())
    session.flush()
    question.ack_mail_id = mail.id
    return mail


def forget_acknowledgement(session: Session, question: Question) -> None:
    """The stored mail quotes the question: it goes when the question goes."""
    if question.ack_mail_id:
        session.execute(
            delete(OutgoingMail)
            .where(OutgoingMail.id == question.ack_mail_id)
            .execution_options(synchronize_session=False)
        )

"""The acknowledgement sent to someone who asked a question by e-mail."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from locator.feedback.models import Question


def _send_mail():
    from locator import mailer  # the volunteers area's mailer: store-first, outbox without SMTP

    return mailer.send_mail


def acknowledge_question(question: Question) -> bool:
    """Send the acknowledgement; a failure is logged (without the address) and not raised."""
    with force_locale(question.lang):
        subject = _("We have received your question")
        context = {"question": question, "site_url": current_app.config["SITE_URL"]}
        text = render_template("feedback/email/ack.txt", **context)
        html = render_template("feedback/email/ack.html", **context)
    try:
        _send_mail()(question.contact, subject, text, html)
    except Exception:  # noqa: BLE001 - the question is stored; the mail is a courtesy
        current_app.logger.warning("acknowledgement for question %s not sent", question.id)
        return False
    return True

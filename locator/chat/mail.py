"""The conversation as text: the downloadable transcript and the e-mailed copy.

The e-mail is queued with ``locator.mail`` in the close's transaction (the mail sender,
``flask mail work``, sends it); the address lives only in that queued mail, never in the chat tables.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from locator import mail
from locator.chat import services
from locator.chat.models import Conversation, as_utc
from locator.hours import DEFAULT_TIMEZONE
from locator.mail import Message


def chat_zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_app.config["CHAT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_time(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment on the chat's clock (the network's time zone)."""
    zone = chat_zone()
    return as_utc(moment).astimezone(zone).strftime(fmt)


def transcript_text(session: Session, conversation: Conversation) -> str:
    """The whole conversation as plain text, in the current language."""
    messages = services.messages_after(session, conversation.id)
    return render_template(
        "chat/transcript.txt",
        conversation=conversation,
        messages=messages,
        local_time=local_time,
        site_url=current_app.config["SITE_URL"],
    )


def queue_transcript(session: Session, conversation: Conversation, address: str) -> int:
    """Queue the transcript to ``address`` (the caller commits); the queued mail's id."""
    lang = conversation.lang if conversation.lang in current_app.config["LANGUAGES"] else "uk"
    with force_locale(lang):
        date = local_time(conversation.created_at, "%Y-%m-%d")
        subject = _("Your online consultation of %(date)s", date=date)
        text = transcript_text(session, conversation)
    mail_id = mail.enqueue(session, Message(to=address, subject=subject, text=text))
    conversation.transcript_mail_id = mail_id
    return mail_id

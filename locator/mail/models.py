"""The store-first mail queue (`OutgoingMail`) and the per-address hourly cap
(`MailAllowance`): tables shared by every area that sends mail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from locator.extensions import db

if TYPE_CHECKING:  # Flask-SQLAlchemy makes db.Model at run time, from this declarative base
    from locator.extensions import Base as Model
else:
    Model = db.Model


def utcnow() -> datetime:
    return datetime.now(UTC)


MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class OutgoingMail(Model):
    """A message stored in the same transaction as the record it is about, sent after by
    the mail sender (`flask mail work`), never by the worker that served the page.

    ``last_error`` holds an exception class name only (never an address or a server's
    reply, which may quote one). ``next_attempt_at``: when a sender may take it (the
    backoff after a failure); ``last_attempt_at`` of a ``sending`` row: its sender's lease."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    list_unsubscribe: Mapped[str] = mapped_column(String(600), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MailAllowance(Model):
    """One of the few mails an address may be sent in any hour: taking it is an UPDATE
    that succeeds only when it was last used over an hour ago, so simultaneous requests
    cannot both take it. Keyed by an HMAC of the address (never the address itself);
    rows an hour old carry nothing and are deleted by the mail sender."""

    __tablename__ = "mail_allowance"

    address_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

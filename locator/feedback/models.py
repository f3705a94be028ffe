"""What readers send the network: questions (`/ask`) and error reports (`/report-error`).

Both hold personal data or free text from strangers: coordinators see them, nobody logs
them, and templates show them escaped."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from locator.extensions import db
from locator.models import utcnow

QUESTION_STATUSES = ("new", "answered")
REPORT_STATUSES = ("new", "in_progress", "fixed", "rejected")
# What coordinators read for each status.
QUESTION_STATUS_LABELS = {"new": _l("waiting for an answer"), "answered": _l("answered")}
REPORT_STATUS_LABELS = {
    "new": _l("new"),
    "in_progress": _l("in progress"),
    "fixed": _l("fixed"),
    "rejected": _l("rejected"),
}


class Question(db.Model):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(254))
    contact_kind: Mapped[str] = mapped_column(String(10))  # "email" or "phone"
    region: Mapped[str] = mapped_column(String(100), default="")
    topic: Mapped[str] = mapped_column(String(40), default="other")
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(5), default="uk")
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The acknowledgement in the shared mail queue (deleted with the question).
    ack_mail_id: Mapped[int | None] = mapped_column(Integer)


class ErrorReport(db.Model):
    __tablename__ = "error_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    selection: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # Reports about an office's data name the office and the field that is wrong.
    office_slug: Mapped[str] = mapped_column(String(120), default="", index=True)
    field: Mapped[str] = mapped_column(String(40), default="")
    lang: Mapped[str] = mapped_column(String(5), default="uk")
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

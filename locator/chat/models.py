"""The online consultation: conversations and their messages.

The visitor's only key is a random token; the table keeps its SHA-256, so the database
alone opens no conversation. No IP address, location or contact detail is stored here
(an e-mailed transcript lives only in the shared mail queue)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import overload

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from locator.extensions import db
from locator.models import utcnow

STATUSES = ("waiting", "active", "closed")
AUTHORS = ("visitor", "expert")


def new_token() -> str:
    """256 random bits, URL-safe: the visitor's link to the conversation."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored in UTC); PostgreSQL aware ones."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Conversation(db.Model):
    __tablename__ = "chat_conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    topic: Mapped[str] = mapped_column(String(40), default="")
    lang: Mapped[str] = mapped_column(String(5), default="uk")
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    # Who answers: the coordinator, and the name the visitor sees.
    expert_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    expert_name: Mapped[str] = mapped_column(String(80), default="")
    # Bumped by every change (message, status): other processes polling the database see
    # that something changed without reading the messages.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str] = mapped_column(String(10), default="")
    # Last activity: the retention period counts from here.
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The e-mailed transcript in the shared mail queue (deleted with the conversation).
    transcript_mail_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_chat_conversation_status_created", "status", "created_at"),
        Index("ix_chat_conversation_updated_at", "updated_at"),
    )


class Message(db.Model):
    __tablename__ = "chat_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversation.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(10))  # "visitor" or "expert"
    name: Mapped[str] = mapped_column(String(80), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Random per message from the sending form: a form sent twice (a retry after a dropped
    # connection, a double click) stores one message.
    client_key: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("conversation_id", "client_key"),)

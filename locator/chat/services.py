"""The online consultation's rules, as plain functions over a session.

Every change is a conditional UPDATE, so the database decides races: one coordinator takes
a conversation, a closed one takes no more messages. Each change also bumps the
conversation's ``seq``, which processes without Redis poll to notice it. A message's
conversation row is updated before the message is inserted, so messages of one
conversation are committed in the order of their ids (a reader's "after id N" cursor never
skips one that commits late).

The caller commits and then publishes the change (``locator.chat.live``)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from locator.chat.models import Conversation, Message, as_utc, new_token, token_hash
from locator.mail.models import OutgoingMail

MESSAGE_MAX = 2000
NAME_MAX = 80
# Tokens are 43 URL-safe characters; anything else is not worth a query.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{8,40}")
TYPICAL_WAIT_SAMPLE = 50
TYPICAL_WAIT_DAYS = 7


class ChatError(Exception):
    """A refused change; ``code`` says why (the view words it in the page language)."""

    code = "refused"


class InvalidMessage(ChatError):
    def __init__(self, code: str, length: int = 0) -> None:
        super().__init__(code)
        self.code, self.length = code, length


class ConversationClosed(ChatError):
    code = "closed"


class NotYours(ChatError):
    code = "not_yours"


def clean_text(text: str | None) -> str:
    """The message as stored: trimmed; refused when empty, too long or holding a NUL."""
    text = (text or "").replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise InvalidMessage("nul")
    if not text:
        raise InvalidMessage("empty")
    if len(text) > MESSAGE_MAX:
        raise InvalidMessage("too_long", len(text))
    return text


def start(session: Session, *, name: str, topic: str, lang: str, now: datetime):
    """A new waiting conversation and its token (shown once, to the visitor)."""
    token = new_token()
    conversation = Conversation(
        token_hash=token_hash(token),
        name=" ".join((name or "").split())[:NAME_MAX],
        topic=topic or "",
        lang=lang,
        status="waiting",
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    session.flush()
    return conversation, token


def by_token(session: Session, token: str) -> Conversation | None:
    if not _TOKEN_RE.fullmatch(token or ""):
        return None
    return session.scalar(select(Conversation).where(Conversation.token_hash == token_hash(token)))


def _touch(session: Session, conversation_id: int, now: datetime, *conditions) -> bool:
    """Bump the change counter when the conditions hold; False when they did not."""
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, *conditions)
        .values(seq=Conversation.seq + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def add_visitor_message(
    session: Session, conversation: Conversation, text: str, now: datetime, key: str = ""
) -> Message:
    text = clean_text(text)
    if not _touch(session, conversation.id, now, Conversation.status != "closed"):
        raise ConversationClosed
    return _insert(session, conversation.id, "visitor", conversation.name, text, now, key)


def add_expert_message(
    session: Session,
    conversation: Conversation,
    user_id: int,
    text: str,
    now: datetime,
    key: str = "",
) -> Message:
    """Only the coordinator who took the conversation answers in it."""
    text = clean_text(text)
    if conversation.status == "closed":
        raise ConversationClosed
    if not _touch(
        session,
        conversation.id,
        now,
        Conversation.status == "active",
        Conversation.expert_id == user_id,
    ):
        raise NotYours
    return _insert(session, conversation.id, "expert", conversation.expert_name, text, now, key)


def _insert(session, conversation_id, author, name, text, now, key) -> Message:
    """Insert, or return the message this form already stored (same key).

    The conversation row was updated first in this transaction, so a second copy of the
    same form waits here until the first is committed, then finds it."""
    key = key if _KEY_RE.fullmatch(key or "") else None
    if key is not None:
        existing = session.scalar(
            select(Message).where(
                Message.conversation_id == conversation_id, Message.client_key == key
            )
        )
        if existing is not None:
            return existing
    message = Message(
        conversation_id=conversation_id,
        author=author,
        name=name,
        text=text,
        created_at=now,
        client_key=key,
    )
    session.add(message)
    session.flush()
    return message


def message_dict(message: Message) -> dict:
    return {
        "id": message.id,
        "author": message.author,
        "name": message.name,
        "text": message.text,
        "at": as_utc(message.created_at).isoformat(),
    }


def messages_after(session: Session, conversation_id: int, after: int = 0) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.id > after)
            .order_by(Message.id)
        )
    )


def take(
    session: Session, conversation_id: int, user_id: int, expert_name: str, now: datetime
) -> bool:
    """The coordinator takes a waiting conversation; False when someone else was first."""
    result = session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.status == "waiting",
            Conversation.expert_id.is_(None),
        )
        .values(
            status="active",
            expert_id=user_id,
            expert_name=" ".join(expert_name.split())[:NAME_MAX],
            taken_at=now,
            seq=Conversation.seq + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def hand_back(session: Session, conversation_id: int, user_id: int, now: datetime) -> bool:
    """Back to the queue, in its old place (the queue is ordered by arrival)."""
    result = session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.status == "active",
            Conversation.expert_id == user_id,
        )
        .values(
            status="waiting",
            expert_id=None,
            expert_name="",
            taken_at=None,
            seq=Conversation.seq + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def close(session: Session, conversation_id: int, by: str, now: datetime) -> bool:
    """Close once; False when it was closed already."""
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status != "closed")
        .values(
            status="closed", closed_at=now, closed_by=by, seq=Conversation.seq + 1, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def delete_conversations(session: Session, ids: list[int]) -> int:
    """Delete conversations, their messages and their e-mailed transcripts (caller commits)."""
    if not ids:
        return 0
    mail_ids = [
        i
        for i in session.scalars(
            select(Conversation.transcript_mail_id).where(Conversation.id.in_(ids))
        )
        if i
    ]
    if mail_ids:
        session.execute(
            delete(OutgoingMail)
            .where(OutgoingMail.id.in_(mail_ids))
            .execution_options(synchronize_session=False)
        )
    session.execute(
        delete(Message)
        .where(Message.conversation_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        delete(Conversation)
        .where(Conversation.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount


def purge(session: Session, *, now: datetime, days: int, batch: int = 500) -> int:
    """Delete conversations with no activity for ``days`` days; how many went (commits)."""
    cutoff = now - timedelta(days=days)
    gone = 0
    while True:
        ids = list(
            session.scalars(
                select(Conversation.id)
                .where(Conversation.updated_at < cutoff)
                .order_by(Conversation.id)
                .limit(batch)
            )
        )
        if not ids:
            return gone
        gone += delete_conversations(session, ids)
        session.commit()


@dataclass(frozen=True)
class State:
    """What the visitor's page shows besides the messages."""

    status: str
    ahead: int  # waiting conversations that arrived earlier
    expert: str
    wait_minutes: int | None  # typical wait lately, when known

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "ahead": self.ahead,
            "expert": self.expert,
            "wait_minutes": self.wait_minutes,
        }


def state(session: Session, conversation: Conversation, now: datetime) -> State:
    ahead: int | None = 0
    wait: int | None = None
    if conversation.status == "waiting":
        ahead = session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.status == "waiting", Conversation.id < conversation.id)
        )
        wait = typical_wait_minutes(session, now)
    return State(conversation.status, ahead or 0, conversation.expert_name, wait)


def typical_wait_minutes(session: Session, now: datetime) -> int | None:
    """The median wait of the conversations taken lately, in whole minutes (at least 1)."""
    rows = session.execute(
        select(Conversation.created_at, Conversation.taken_at)
        .where(
            Conversation.taken_at.is_not(None),
            Conversation.taken_at > now - timedelta(days=TYPICAL_WAIT_DAYS),
        )
        .order_by(Conversation.taken_at.desc())
        .limit(TYPICAL_WAIT_SAMPLE)
    ).all()
    if not rows:
        return None
    waits = [(as_utc(t) - as_utc(c)).total_seconds() for c, t in rows if t is not None]
    return max(1, round(statistics.median(waits) / 60))


def waiting_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.status == "waiting")
        )
        or 0
    )


def open_conversations(session: Session) -> list[Conversation]:
    """Waiting ones first (longest wait first), then those being answered."""
    return list(
        session.scalars(
            select(Conversation)
            .where(Conversation.status.in_(("waiting", "active")))
            .order_by(Conversation.status.desc(), Conversation.id)
        )
    )


def recently_closed(session: Session, limit: int = 20) -> list[Conversation]:
    return list(
        session.scalars(
            select(Conversation)
            .where(Conversation.status == "closed")
            .order_by(Conversation.closed_at.desc(), Conversation.id.desc())
            .limit(limit)
        )
    )

"""Store first, send after: the mail queue any area can use.

``queue()`` adds an ``OutgoingMail`` to the caller's transaction, so the message is
committed together with the record it is about. After the commit, ``deliver()`` sends
what was queued; a dead or slow server leaves the row ``failed`` with the error's class
name, and ``flask mail retry`` (``retry()``) sends it later. Rows are claimed with a
conditional UPDATE, so two processes never send the same row at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from locator.mailer import Mailer, MailError, Message
from locator.volunteers.models import OutgoingMail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# A row left "sending" this long belongs to a process that died mid-send.
STALE_SENDING = timedelta(minutes=15)


def queue(session: Session, message: Message, now: datetime | None = None) -> OutgoingMail:
    mail = OutgoingMail(
        to_address=message.to,
        subject=message.subject,
        text_body=message.text,
        html_body=message.html or "",
        list_unsubscribe=message.headers.get("List-Unsubscribe", ""),
    )
    if now is not None:
        mail.created_at = now
    session.add(mail)
    return mail


def _message(mail: OutgoingMail) -> Message:
    headers = {"List-Unsubscribe": mail.list_unsubscribe} if mail.list_unsubscribe else {}
    return Message(
        to=mail.to_address,
        subject=mail.subject,
        text=mail.text_body,
        html=mail.html_body or None,
        headers=headers,
    )


def _claim(session: Session, mail_id: int, now: datetime) -> bool:
    stale = now - STALE_SENDING
    result = session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            or_(
                OutgoingMail.status.in_(("pending", "failed")),
                (OutgoingMail.status == "sending") & (OutgoingMail.last_attempt_at < stale),
            ),
        )
        .values(status="sending", last_attempt_at=now, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def deliver(
    session: Session, mailer: Mailer, ids: Iterable[int], now: Callable[[], datetime]
) -> dict[str, int]:
    """Send the given queued mails; return counts of "sent" and "failed"."""
    counts = {"sent": 0, "failed": 0}
    for mail_id in ids:
        if not _claim(session, mail_id, now()):
            continue  # sent already, deleted (withdrawn), or another process has it
        mail = session.get(OutgoingMail, mail_id, populate_existing=True)
        if mail is None:
            continue
        try:
            mailer.send(_message(mail))
        except MailError as exc:
            reason, status = exc.reason, "failed"
        else:
            reason, status = "", "sent"
        # The row may have been deleted meanwhile (the person withdrew): update, not merge.
        session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id)
            .values(
                status=status,
                last_error=reason[:100],
                sent_at=now() if status == "sent" else None,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        counts[status] += 1
        if status == "failed":
            log.warning("mail %s not sent: %s", mail_id, reason)
    return counts


def retry(
    session: Session, mailer: Mailer, now: Callable[[], datetime], limit: int = 500
) -> dict[str, int]:
    """Send every pending or failed mail (and any orphaned mid-send) below the attempt cap."""
    stale = now() - STALE_SENDING
    ids = session.scalars(
        select(OutgoingMail.id)
        .where(
            OutgoingMail.attempts < MAX_ATTEMPTS,
            or_(
                OutgoingMail.status.in_(("pending", "failed")),
                (OutgoingMail.status == "sending") & (OutgoingMail.last_attempt_at < stale),
            ),
        )
        .order_by(OutgoingMail.id)
        .limit(limit)
    ).all()
    session.rollback()  # end the read transaction before the long sends
    return deliver(session, mailer, ids, now)


def forget_address(session: Session, address: str) -> int:
    """Delete every stored mail to an address (part of a withdrawal; caller commits)."""
    result = session.execute(
        delete(OutgoingMail)
        .where(OutgoingMail.to_address == address)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def purge_old(session: Session, before: datetime) -> int:
    """Delete sent mails, and mails that gave up, created before ``before`` (caller commits)."""
    result = session.execute(
        delete(OutgoingMail)
        .where(
            OutgoingMail.created_at < before,
            or_(OutgoingMail.status == "sent", OutgoingMail.attempts >= MAX_ATTEMPTS),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount

"""Store first, send after: the mail queue any area can use, and its sender.

``queue()`` adds an ``OutgoingMail`` to the caller's transaction, so the message is
committed together with the record it is about, and the request is done: no worker that
serves pages ever talks to the mail server. The mail sender — ``flask mail work``, a
process of its own beside the app servers — takes the due rows and sends them (``work()``
looks at the queue every second, ``work_once()`` drains it and returns).

A row is claimed with a conditional UPDATE before it is sent, so several senders (on
several machines) never send one row at the same time; a row whose sender died mid-send
is taken again once its lease has run out. A failure leaves the row ``failed`` with the
error's class name and a time before which it is not tried again (30 s, doubling up to an
hour; ten attempts at most); ``flask mail retry`` (``retry()``) tries every failed row now.

``take_allowance()`` caps the mails one address can be sent in an hour, in the database:
each of an address's few allowance rows is taken by an UPDATE that succeeds only if that
row was last used over an hour ago, so simultaneous requests cannot share one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from locator.mail.mailer import Mailer, MailError, Message
from locator.mail.models import MailAllowance, OutgoingMail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
# A row left "sending" this long belongs to a sender that died mid-send: another takes it.
LEASE = timedelta(minutes=5)
ALLOWANCE_WINDOW = timedelta(hours=1)
PRUNE_EVERY = timedelta(minutes=10)
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)

Now = Callable[[], datetime]
Counts = dict[str, int]


def lease_for(timeout: float) -> timedelta:
    """A lease longer than any send can take: each of the dozen SMTP steps may wait
    ``timeout`` seconds (MAIL_TIMEOUT) before it fails."""
    return max(LEASE, timedelta(seconds=20 * timeout))


def backoff(attempts: int) -> timedelta:
    """How long a mail that failed ``attempts`` times waits before the next try."""
    return min(FIRST_BACKOFF * (1 << max(attempts - 1, 0)), MAX_BACKOFF)


def queue(session: Session, message: Message, now: datetime | None = None) -> OutgoingMail:
    """Add the mail to the caller's transaction; the sender sends it once committed."""
    moment = now or datetime.now(UTC)
    mail = OutgoingMail(
        to_address=message.to,
        subject=message.subject,
        text_body=message.text,
        html_body=message.html or "",
        list_unsubscribe=message.headers.get("List-Unsubscribe", ""),
        created_at=moment,
        next_attempt_at=moment,
    )
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


def _rowcount(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it matched."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def _takeable(now: datetime, lease: timedelta, *, due_only: bool) -> ColumnElement[bool]:
    """Rows a sender may claim: waiting ones (when their backoff is over, if `due_only`)
    and ones whose sender's lease ran out."""
    waiting: ColumnElement[bool] = OutgoingMail.status.in_(("pending", "failed"))
    if due_only:
        waiting &= or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= now)
    abandoned = (OutgoingMail.status == "sending") & (OutgoingMail.last_attempt_at < now - lease)
    return (OutgoingMail.attempts < MAX_ATTEMPTS) & or_(waiting, abandoned)


def due_ids(
    session: Session,
    now: datetime,
    *,
    lease: timedelta = LEASE,
    due_only: bool = True,
    limit: int = 50,
) -> list[int]:
    return list(
        session.scalars(
            select(OutgoingMail.id)
            .where(_takeable(now, lease, due_only=due_only))
            .order_by(OutgoingMail.id)
            .limit(limit)
        )
    )


def _claim(session: Session, mail_id: int, now: datetime, lease: timedelta, due_only: bool) -> bool:
    """Take the row for this sender; False when another sender (or nobody: sent, withdrawn,
    given up, not due) has it. One UPDATE: of two senders racing, one changes the row."""
    matched = _rowcount(
        session,
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, _takeable(now, lease, due_only=due_only))
        .values(status="sending", last_attempt_at=now, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    return matched == 1


def _finish(session: Session, mail_id: int, claimed_at: datetime, **values: Any) -> None:
    # Only while the claim is still ours; the row may also have gone (the person withdrew).
    session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.status == "sending",
            OutgoingMail.last_attempt_at == claimed_at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def deliver(
    session: Session,
    mailer: Mailer,
    ids: Iterable[int],
    now: Now,
    *,
    lease: timedelta = LEASE,
    due_only: bool = False,
    stop: threading.Event | None = None,
) -> Counts:
    """Claim and send the given mails one by one; return counts of "sent" and "failed"."""
    counts = {"sent": 0, "failed": 0}
    for mail_id in ids:
        if stop is not None and stop.is_set():
            break
        claimed_at = now()
        if not _claim(session, mail_id, claimed_at, lease, due_only):
            continue
        mail = session.get(OutgoingMail, mail_id, populate_existing=True)
        if mail is None:
            session.rollback()
            continue
        message, attempts = _message(mail), mail.attempts
        # No transaction stays open while the mail server takes its time: on SQLite an
        # open read would hold up every sign-up's commit.
        session.rollback()
        try:
            mailer.send(message)
        except Exception as exc:  # recorded by class name; the row waits for its next try
            reason = exc.reason if isinstance(exc, MailError) else type(exc).__name__
            _finish(
                session,
                mail_id,
                claimed_at,
                status="failed",
                last_error=reason[:100],
                next_attempt_at=now() + backoff(attempts),
            )
            counts["failed"] += 1
            log.warning("mail %s not sent (attempt %s): %s", mail_id, attempts, reason)
        except BaseException:
            # Interrupted (Ctrl-C twice): give the row back to the next sender at once.
            _finish(session, mail_id, claimed_at, status="pending", next_attempt_at=now())
            raise
        else:
            _finish(session, mail_id, claimed_at, status="sent", last_error="", sent_at=now())
            counts["sent"] += 1
    return counts


def work_once(
    session: Session,
    mailer: Mailer,
    now: Now,
    *,
    lease: timedelta = LEASE,
    stop: threading.Event | None = None,
    batch: int = 50,
) -> Counts:
    """Send every mail that is due (`flask mail work --once`); mails waiting out their
    backoff stay for later."""
    total = {"sent": 0, "failed": 0}
    while stop is None or not stop.is_set():
        ids = due_ids(session, now(), lease=lease, limit=batch)
        session.rollback()
        if not ids:
            break
        counts = deliver(session, mailer, ids, now, lease=lease, due_only=True, stop=stop)
        total = {key: total[key] + counts[key] for key in total}
        if not any(counts.values()):  # other senders took them all
            break
    return total


def work(
    session: Session,
    mailer: Mailer,
    now: Now,
    *,
    stop: threading.Event,
    interval: float = 1.0,
    lease: timedelta = LEASE,
    report: Callable[[Counts], None] | None = None,
) -> None:
    """The sender's loop (`flask mail work`): send what is due, then look again every
    `interval` seconds, until `stop` is set. A database that is away is waited for."""
    pruned = None
    wait = interval
    while not stop.is_set():
        try:
            counts = work_once(session, mailer, now, lease=lease, stop=stop)
            if pruned is None or now() - pruned > PRUNE_EVERY:
                prune_allowances(session, now())
                session.commit()
                pruned = now()
        except SQLAlchemyError as exc:
            session.rollback()
            log.warning("mail sender: database unavailable (%s)", type(exc).__name__)
            wait = min(wait * 2, 30.0)
        else:
            wait = interval
            if report is not None and any(counts.values()):
                report(counts)
        stop.wait(wait)


def retry(
    session: Session, mailer: Mailer, now: Now, limit: int = 500, lease: timedelta = LEASE
) -> Counts:
    """Send every pending or failed mail now, backoff or not (and any orphaned mid-send),
    below the attempt cap: `flask mail retry`."""
    ids = due_ids(session, now(), lease=lease, due_only=False, limit=limit)
    session.rollback()  # end the read transaction before the long sends
    return deliver(session, mailer, ids, now, lease=lease)


# --- the per-address cap --------------------------------------------------------------


def address_key(secret: str, address: str) -> str:
    """What the cap knows of an address: an HMAC with the app's secret."""
    address = (parseaddr(address)[1] or address).strip().lower()
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def take_allowance(session: Session, key: str, now: datetime, per_hour: int) -> bool:
    """Use one of the `per_hour` mails the address `key` may be sent in any hour, in the
    caller's transaction; False when all were used in the last hour.

    Each slot is one row, taken by an UPDATE that only matches a slot last used over an
    hour ago: two transactions cannot both take it (PostgreSQL re-checks the condition
    after the other commits; SQLite lets one writer in at a time). So no hour ever holds
    more than `per_hour` mails, however many requests arrive at once."""
    rows = [{"address_key": key, "slot": n, "used_at": _NEVER} for n in range(per_hour)]
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    session.execute(dialect.insert(MailAllowance).values(rows).on_conflict_do_nothing())
    for slot in range(per_hour):
        matched = _rowcount(
            session,
            update(MailAllowance)
            .where(
                MailAllowance.address_key == key,
                MailAllowance.slot == slot,
                MailAllowance.used_at <= now - ALLOWANCE_WINDOW,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False),
        )
        if matched == 1:
            return True
    return False


def prune_allowances(session: Session, now: datetime) -> int:
    """Delete allowance rows unused for an hour: they limit nothing (caller commits)."""
    matched = _rowcount(
        session,
        delete(MailAllowance)
        .where(MailAllowance.used_at <= now - ALLOWANCE_WINDOW)
        .execution_options(synchronize_session=False),
    )
    return matched


# --- deleting -------------------------------------------------------------------------


def forget_address(session: Session, address: str) -> int:
    """Delete every stored mail to an address (part of a withdrawal; caller commits)."""
    matched = _rowcount(
        session,
        delete(OutgoingMail)
        .where(OutgoingMail.to_address == address)
        .execution_options(synchronize_session=False),
    )
    return matched


def forget_ids(session: Session, ids: Iterable[int]) -> int:
    """Delete the stored mails with these ids, sent or not: a mail that quotes a record
    goes when the record goes (caller commits)."""
    ids = list(ids)
    if not ids:
        return 0
    matched = _rowcount(
        session,
        delete(OutgoingMail)
        .where(OutgoingMail.id.in_(ids))
        .execution_options(synchronize_session=False),
    )
    return matched


def purge_old(session: Session, before: datetime) -> int:
    """Delete sent mails, and mails that gave up, created before ``before`` (caller commits)."""
    matched = _rowcount(
        session,
        delete(OutgoingMail)
        .where(
            OutgoingMail.created_at < before,
            or_(OutgoingMail.status == "sent", OutgoingMail.attempts >= MAX_ATTEMPTS),
        )
        .execution_options(synchronize_session=False),
    )
    return matched

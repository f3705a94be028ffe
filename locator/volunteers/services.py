"""Volunteer sign-up, confirmation, withdrawal and review — plain functions.

They take the session and their collaborators (``locate`` for the city, ``compose`` for
the e-mail, ``now`` for the clock) as arguments and know nothing of requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from locator.mail import outbox
from locator.mail.mailer import Mailer, Message
from locator.volunteers.models import JoinRequest, Volunteer, new_public_id

# At most this many mails to one address per hour, however often the form is sent:
# the form must not become a way to flood someone's inbox.
MAILS_PER_ADDRESS_PER_HOUR = 3
# Sign-ups never confirmed are deleted after this long (the privacy notice says so).
UNCONFIRMED_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Located:
    label: str
    lat: float
    lon: float
    office_id: int | None


@dataclass
class SignUpResult:
    volunteer_id: int
    created: bool
    mail_ids: list[int] = field(default_factory=list)


VOLUNTEER_FIELDS = (
    "name", "email", "phone", "city", "skills", "languages", "availability", "message",
)  # fmt: skip
JOIN_FIELDS = ("organisation", "city", "contact_person", "email", "phone", "about")

Compose = Callable[[Volunteer, str], Message]  # kind: "confirm" | "already_confirmed"


def normalise_email(address: str) -> str:
    return address.strip().lower()


def sign_up(
    session: Session,
    data: dict[str, Any],
    *,
    locale: str,
    locate: Callable[[str], Located | None],
    compose: Compose,
    address_key: Callable[[str], str],
    now: Callable[[], datetime],
) -> SignUpResult:
    """Store a sign-up as ``new`` with its confirmation mail, in one transaction.

    The same address again stores nothing new and queues the confirmation again (or,
    once confirmed, a reminder with the withdraw link). Either way an address is sent at
    most MAILS_PER_ADDRESS_PER_HOUR mails in any hour, counted in the database under
    ``address_key(email)`` (a keyed hash), so simultaneous requests cannot exceed it.
    Everything is committed on return; the mail sender sends ``mail_ids``.
    """
    email = normalise_email(data["email"])
    existing = session.scalar(select(Volunteer).where(Volunteer.email == email))
    if existing is not None:
        return _resend(session, existing, locale, compose, address_key, now)

    place = locate(data["city"])
    volunteer = Volunteer(
        public_id=new_public_id(),  # needed for the mail's links before the INSERT
        name=data["name"],
        email=email,
        phone=data["phone"],
        city=data["city"],
        city_label=place.label if place else "",
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        office_id=place.office_id if place else None,
        skills=";".join(data.get("skills") or ()),
        languages=data.get("languages") or "",
        availability=data.get("availability") or "",
        message=data.get("message") or "",
        locale=locale,
        created_at=now(),
        updated_at=now(),
    )
    session.add(volunteer)
    try:
        session.flush()  # raises on a duplicate address
        mails = []
        if outbox.take_allowance(session, address_key(email), now(), MAILS_PER_ADDRESS_PER_HOUR):
            mails.append(outbox.queue(session, compose(volunteer, "confirm"), now()))
        session.commit()
    except IntegrityError:
        # The same address signed up at this very moment in another request.
        session.rollback()
        existing = session.scalar(select(Volunteer).where(Volunteer.email == email))
        if existing is None:
            raise
        return _resend(session, existing, locale, compose, address_key, now)
    return SignUpResult(volunteer.id, created=True, mail_ids=[mail.id for mail in mails])


def _resend(
    session: Session,
    volunteer: Volunteer,
    locale: str,
    compose: Compose,
    address_key: Callable[[str], str],
    now: Callable[[], datetime],
) -> SignUpResult:
    key = address_key(volunteer.email)
    if not outbox.take_allowance(session, key, now(), MAILS_PER_ADDRESS_PER_HOUR):
        session.rollback()
        return SignUpResult(volunteer.id, created=False)
    # Only the language follows the new request: the stored answers stay as the
    # address's owner gave them (whoever sent this form has not proved to be them).
    kind = "confirm" if volunteer.confirmed_at is None else "already_confirmed"
    mail = outbox.queue(session, compose(_with_locale(volunteer, locale), kind), now())
    session.commit()
    return SignUpResult(volunteer.id, created=False, mail_ids=[mail.id])


def _with_locale(volunteer: Volunteer, locale: str) -> Volunteer:
    volunteer.locale = locale
    return volunteer


def confirm(session: Session, public_id: str, now: Callable[[], datetime]) -> Volunteer | None:
    volunteer = session.scalar(select(Volunteer).where(Volunteer.public_id == public_id))
    if volunteer is None:
        return None
    if volunteer.confirmed_at is None:
        volunteer.confirmed_at = now()
        if volunteer.status == "new":
            volunteer.status = "confirmed"
        session.commit()
    return volunteer


def exists(session: Session, public_id: str) -> bool:
    found = session.scalar(select(Volunteer.id).where(Volunteer.public_id == public_id))
    return found is not None


def withdraw(session: Session, public_id: str, *, mailer: Mailer) -> bool:
    """Delete the person's row and every mail to them, queued or in the outbox folder.
    True when something was deleted."""
    volunteer = session.scalar(select(Volunteer).where(Volunteer.public_id == public_id))
    if volunteer is None:
        return False
    delete_record(session, volunteer, mailer=mailer)
    return True


def purge(session: Session, now: Callable[[], datetime], *, mailer: Mailer) -> dict[str, int]:
    """Delete sign-ups never confirmed within 30 days, and old sent mails (in the queue and
    in the outbox folder)."""
    before = now() - UNCONFIRMED_KEPT
    stale = session.scalars(
        select(Volunteer).where(Volunteer.confirmed_at.is_(None), Volunteer.created_at < before)
    ).all()
    addresses = [volunteer.email for volunteer in stale]
    for address in addresses:
        outbox.forget_address(session, address)
    deleted = cast(
        "CursorResult[Any]",
        session.execute(
            delete(Volunteer)
            .where(Volunteer.id.in_([v.id for v in stale]))
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    mails = outbox.purge_old(session, before)
    outbox.prune_allowances(session, now())
    session.commit()
    for address in addresses:
        mailer.forget(address)
    mailer.purge_outbox(before)
    return {"volunteers": deleted, "mails": mails}


def request_join(
    session: Session, data: dict[str, Any], *, locale: str, now: Callable[[], datetime]
) -> JoinRequest:
    """Store an organisation's application for coordinators to review."""
    request = JoinRequest(
        organisation=data["organisation"],
        city=data["city"],
        contact_person=data["contact_person"],
        email=normalise_email(data["email"]),
        phone=data["phone"],
        about=data.get("about") or "",
        locale=locale,
        created_at=now(),
        updated_at=now(),
    )
    session.add(request)
    session.commit()
    return request


# --- review (shared by volunteers and join requests) ---------------------------------


Reviewable = type[Volunteer] | type[JoinRequest]


def allowed_statuses(record: Volunteer | JoinRequest) -> tuple[str, ...]:
    """Statuses a coordinator may set. A volunteer's "new"/"confirmed" is the person's
    own doing: a coordinator can go back to "confirmed" only if they did confirm."""
    if isinstance(record, Volunteer):
        return tuple(
            s
            for s in record.statuses
            if s != "new" and (s != "confirmed" or record.confirmed_at is not None)
        )
    return record.statuses


def set_status(session: Session, record: Volunteer | JoinRequest, status: str) -> bool:
    if status not in allowed_statuses(record):
        return False
    record.status = status
    session.commit()
    return True


def delete_record(session: Session, record: Volunteer | JoinRequest, *, mailer: Mailer) -> None:
    """Delete the record and every mail to its address, queued or in the outbox folder."""
    address = record.email
    outbox.forget_address(session, address)
    session.delete(record)
    session.commit()
    mailer.forget(address)


@dataclass(frozen=True)
class Filter:
    city: str = ""
    skill: str = ""
    status: str = ""
    office_id: int | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def review_query(model: Reviewable, criteria: Filter):
    """Records of ``model`` matching ``criteria``, newest first."""
    query = select(model).order_by(model.created_at.desc(), model.id.desc())
    if criteria.city:
        pattern = f"%{_like_escape(criteria.city.casefold())}%"
        query = query.where(model.city_key.like(pattern, escape="\\"))
    if criteria.status:
        query = query.where(model.status == criteria.status)
    if model is Volunteer:
        if criteria.skill:
            # Skills are stored "legal;it": match the code as a whole item.
            padded = literal(";") + Volunteer.skills + literal(";")
            query = query.where(padded.like(f"%;{_like_escape(criteria.skill)};%", escape="\\"))
        if criteria.office_id is not None:
            query = query.where(Volunteer.office_id == criteria.office_id)
    return query


def filtered(session: Session, criteria: Filter, model: Reviewable = Volunteer):
    """Every record matching ``criteria``, newest first, streamed in batches."""
    return session.scalars(review_query(model, criteria).execution_options(yield_per=500))


def _office_name(volunteer: Volunteer) -> str:
    return volunteer.office.name if volunteer.office is not None else ""


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


VOLUNTEER_COLUMNS = [
    ("name", lambda v: v.name),
    ("email", lambda v: v.email),
    ("phone", lambda v: v.phone),
    ("city", lambda v: v.city),
    ("city_found", lambda v: v.city_label),
    ("nearest_office", _office_name),
    ("skills", lambda v: v.skill_list),
    ("languages", lambda v: v.languages),
    ("availability", lambda v: v.availability),
    ("message", lambda v: v.message),
    ("status", lambda v: v.status),
    ("language", lambda v: v.locale),
    ("signed_up", lambda v: _iso(v.created_at)),
    ("confirmed", lambda v: _iso(v.confirmed_at)),
]

JOIN_COLUMNS = [
    ("organisation", lambda r: r.organisation),
    ("city", lambda r: r.city),
    ("contact_person", lambda r: r.contact_person),
    ("email", lambda r: r.email),
    ("phone", lambda r: r.phone),
    ("about", lambda r: r.about),
    ("status", lambda r: r.status),
    ("language", lambda r: r.locale),
    ("received", lambda r: _iso(r.created_at)),
]

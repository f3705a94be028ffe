"""Volunteers and organisations asking to join (the mail queue is `locator.mail.models`)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from locator.extensions import db
from locator.models import Office


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """The id put in e-mailed links: random, so links reveal nothing and can't be guessed."""
    return secrets.token_urlsafe(16)


# Skills a volunteer can offer (codes stored; labels in forms.SKILL_LABELS).
SKILLS = ("legal", "translation", "outreach", "posters", "it", "other")

# Review workflows. "new" and "confirmed" of a volunteer come from the person
# (sign-up, e-mail link); coordinators move them on from there.
VOLUNTEER_STATUSES = ("new", "confirmed", "contacted", "active", "declined")
JOIN_STATUSES = ("new", "contacted", "accepted", "declined")
# What coordinators read for each status (volunteers' and join requests').
STATUS_LABELS = {
    "new": _l("New (not confirmed)"),
    "confirmed": _l("Confirmed"),
    "contacted": _l("Contacted"),
    "active": _l("Active"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
}


def search_key(*parts: str | None) -> str:
    """Case-folded text for filters: SQLite's lower() leaves Cyrillic capitals as they are."""
    return " ".join(p.casefold() for p in parts if p)[:400]


class Reviewed:
    """Columns shared by the records coordinators review (volunteers, join requests)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    locale: Mapped[str] = mapped_column(String(8), default="uk")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Volunteer(Reviewed, db.Model):
    __tablename__ = "volunteer"

    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased; unique, so the same person signing up twice stays one row even
    # when both requests arrive at once (the loser gets an IntegrityError).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    city: Mapped[str] = mapped_column(String(120))  # as typed
    city_label: Mapped[str] = mapped_column(String(200), default="")  # as geocoded
    city_key: Mapped[str] = mapped_column(String(400), default="")  # for the city filter
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("office.id", ondelete="SET NULL"), index=True
    )
    skills: Mapped[str] = mapped_column(String(200), default="")  # "legal;it"
    languages: Mapped[str] = mapped_column(String(200), default="")
    availability: Mapped[str] = mapped_column(String(500), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    office: Mapped[Office | None] = relationship(lazy="joined")

    statuses = VOLUNTEER_STATUSES

    @validates("city", "city_label")
    def _keep_city_key(self, key: str, value: str) -> str:
        other = self.city_label if key == "city" else self.city
        self.city_key = search_key(value, other)
        return value

    @property
    def skill_list(self) -> list[str]:
        return [s for s in self.skills.split(";") if s]


class JoinRequest(Reviewed, db.Model):
    __tablename__ = "join_request"

    organisation: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    contact_person: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    about: Mapped[str] = mapped_column(Text, default="")
    city_key: Mapped[str] = mapped_column(String(400), default="")  # for the city filter

    statuses = JOIN_STATUSES

    @validates("city")
    def _keep_city_key(self, key: str, value: str) -> str:
        self.city_key = search_key(value)
        return value

"""What the coordinators' office pages do to the data: find, save (with geocoding), switch on
and off. Plain functions over a session; the views pass the geocoder, the clock and the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, literal, or_, select
from sqlalchemy.orm import Session

from locator.feedback.models import ErrorReport
from locator.models import Office
from locator.offices.importer import ADDRESS_FIELDS, Geocode, locate, stored_values
from locator.offices.sources import N_, FieldError

PER_PAGE = 50
STATUSES = ("active", "inactive", "all")


@dataclass
class Filters:
    q: str = ""
    city: str = ""
    category: str = ""
    status: str = "active"


def _variants(text: str) -> set[str]:
    """SQLite folds case for ASCII only: also look for the usual spellings of Cyrillic text."""
    return {text, text.lower(), text.capitalize(), text.upper(), text.title()}


def office_query(filters: Filters) -> Select:
    statement = select(Office).order_by(Office.city, Office.name, Office.id)
    if filters.status == "active":
        statement = statement.where(Office.active)
    elif filters.status == "inactive":
        statement = statement.where(Office.active.is_(False))
    if filters.q:
        columns = (Office.name, Office.slug, Office.city, Office.address, Office.organization)
        statement = statement.where(
            or_(
                *(
                    column.contains(v, autoescape=True)
                    for column in columns
                    for v in _variants(filters.q)
                )
            )
        )
    if filters.city:
        statement = statement.where(Office.city == filters.city)
    if filters.category:
        wrapped = literal(";").concat(Office.categories).concat(";")
        statement = statement.where(wrapped.contains(f";{filters.category};", autoescape=True))
    return statement


def cities(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(Office.city).where(Office.city != "").distinct().order_by(Office.city)
        )
    )


@dataclass
class SaveResult:
    office: Office | None
    errors: list[FieldError] = field(default_factory=list)  # nothing saved when any
    warnings: list[FieldError] = field(default_factory=list)


def save_office(
    session: Session,
    office: Office | None,
    clean: dict[str, Any],
    *,
    pinned: bool,
    geocode: Geocode | None,
    now: datetime,
    user: str,
) -> SaveResult:
    """Create (office None) or change an office from checked form values.

    Coordinates: typed-in new ones are a hand placement (pinned from then on); pinned ones stay
    when the address changes; otherwise a new or changed address (or cleared coordinates) is
    geocoded. Who and when are recorded."""
    values = stored_values(clean)
    taken = session.scalar(select(Office.id).where(Office.slug == values["slug"]))
    if taken is not None and (office is None or taken != office.id):
        return SaveResult(
            office, [FieldError.of("slug", N_("Another office already has this slug."))]
        )

    typed = values["lat"] is not None
    old_point = None if office is None else (office.lat, office.lon)
    warnings: list[FieldError] = []
    if values.get("kind") == "remote":
        pinned = typed  # remote help is never geocoded: no distance, no invented point
    elif typed and (values["lat"], values["lon"]) != old_point:
        pinned = True  # placed by hand
    elif pinned and typed:
        pass  # keep the hand-placed point
    elif pinned and not typed:
        return SaveResult(
            office, [FieldError.of("lat", N_("Give the coordinates of a pinned office."))]
        )
    else:
        address_changed = office is None or any(
            getattr(office, name) != values[name] for name in ADDRESS_FIELDS
        )
        if address_changed or not typed:
            point = locate(values, geocode, warnings)
            if point is None:
                return SaveResult(office, warnings)
            values["lat"], values["lon"] = point

    if office is None:
        office = Office(created_at=now, active=True)
        session.add(office)
    for name, value in values.items():
        setattr(office, name, value)
    office.pinned = pinned
    office.updated_at = now
    office.updated_by = user
    session.commit()
    return SaveResult(office, [], warnings)


def set_active(session: Session, office: Office, active: bool, *, now: datetime, user: str) -> None:
    """Deactivated offices leave search, the map and the API, and keep their data and history."""
    office.active = active
    office.updated_at = now
    office.updated_by = user
    session.commit()


def office_reports(session: Session, office: Office, limit: int = 20) -> list[ErrorReport]:
    """Error reports about this office (sent from its page, or naming it), newest first,
    so the coordinator fixes the office where the report is."""
    path = f"/offices/{office.slug}"
    statement = (
        select(ErrorReport)
        .where(
            or_(
                ErrorReport.office_slug == office.slug,
                ErrorReport.url == path,
                ErrorReport.url.startswith(path + "?", autoescape=True),
            )
        )
        .order_by(ErrorReport.created_at.desc(), ErrorReport.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))

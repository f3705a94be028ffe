"""Core models: offices, the geocoder's cache, coordinators.

Areas keep their own models in `locator/<area>/models.py`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from locator.extensions import db
from locator.hours import status, timezone_for


def utcnow() -> datetime:
    return datetime.now(UTC)


def split_list(value: str | None) -> list[str]:
    return [item for item in (value or "").split(";") if item]


def join_list(values) -> str:
    return ";".join(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def N_(message: str) -> str:
    """Marks an English message id for extraction; translated where it is shown."""
    return message


# `room`: a place one can walk into (address and coordinates; ranked by distance).
# `remote`: a hotline, an online or phone reception (no distance; offered by the areas in
# `serves`, ISO 3166-2 codes like UA-43 or ISO 3166-1 country codes like UA).
ROOM, REMOTE = "room", "remote"
KINDS = (ROOM, REMOTE)

# The closed code lists, each code with its English name (a message id: labels.py shows it
# in the page language, the HSDS export in English).
CATEGORY_NAMES = {
    "family": N_("Family matters"),
    "labour": N_("Work and wages"),
    "housing": N_("Housing"),
    "social_benefits": N_("Social benefits and pensions"),
    "idp_documents": N_("Documents for displaced people"),
    "criminal_defence": N_("Criminal defence"),
    "human_rights": N_("Human rights"),
}
ACCESSIBILITY_NAMES = {
    "wheelchair": N_("Wheelchair accessible"),
    "step_free": N_("Step-free entrance"),
    "accessible_toilet": N_("Accessible toilet"),
    "hearing_loop": N_("Hearing loop"),
    "sign_language": N_("Sign language"),
    "home_visits": N_("Home visits"),
    "online": N_("Online consultations"),
}
CATEGORIES = tuple(CATEGORY_NAMES)
ACCESSIBILITY = tuple(ACCESSIBILITY_NAMES)


def public(
    label: str,
    *,
    required: bool = False,
    is_list: bool = False,
    codes: str | None = None,
    max_length: int | None = None,
) -> dict[str, Any]:
    """A column's `info` that makes it a public office field (see OfficeField)."""
    return {
        "public": True,
        "label": label,
        "required": required,
        "is_list": is_list,
        "codes": codes,
        "max_length": max_length,
    }


class Office(db.Model):
    """An office: a room or a remote service (`kind`). List fields are stored `;`-joined (`uk;ru`) so that both
    SQLite and PostgreSQL filter them with one indexed-free LIKE on few candidates."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(
        String(120),
        unique=True,
        info=public(N_("Slug (address of the office page)"), required=True),
    )
    name: Mapped[str] = mapped_column(String(200), info=public(N_("Office name"), required=True))
    organization: Mapped[str] = mapped_column(
        String(200), default="", info=public(N_("Organisation"))
    )
    address: Mapped[str] = mapped_column(String(300), default="", info=public(N_("Address")))
    city: Mapped[str] = mapped_column(
        String(120), default="", info=public(N_("City"), required=True)
    )
    region: Mapped[str] = mapped_column(String(120), default="", info=public(N_("Region")))
    postcode: Mapped[str] = mapped_column(String(20), default="", info=public(N_("Postcode")))
    country: Mapped[str] = mapped_column(
        String(2), default="UA", info=public(N_("Country code"), required=True, codes="country")
    )
    lat: Mapped[float | None] = mapped_column(Float, info=public(N_("Latitude")))
    lon: Mapped[float | None] = mapped_column(Float, info=public(N_("Longitude")))
    phone: Mapped[str] = mapped_column(String(60), default="", info=public(N_("Phone")))
    email: Mapped[str] = mapped_column(String(254), default="", info=public(N_("E-mail")))
    website: Mapped[str] = mapped_column(String(500), default="", info=public(N_("Website")))
    opening_hours: Mapped[str] = mapped_column(
        String(500), default="", info=public(N_("Opening hours"))
    )
    languages: Mapped[str] = mapped_column(
        String(200), default="", info=public(N_("Languages"), is_list=True, codes="language")
    )
    categories: Mapped[str] = mapped_column(
        String(300), default="", info=public(N_("Helps with"), is_list=True, codes="category")
    )
    accessibility: Mapped[str] = mapped_column(
        String(300),
        default="",
        info=public(N_("Accessibility"), is_list=True, codes="accessibility"),
    )
    description: Mapped[str] = mapped_column(
        Text, default="", info=public(N_("Description"), max_length=5000)
    )
    demo: Mapped[bool] = mapped_column(
        Boolean, default=False, info=public(N_("Demonstration data (not a real office)"))
    )
    kind: Mapped[str] = mapped_column(
        String(10),
        default=ROOM,
        server_default=ROOM,
        index=True,
        info=public(N_("Kind"), codes="kind"),
    )
    serves: Mapped[str] = mapped_column(
        String(300),
        default="",
        server_default="",
        info=public(N_("Areas served"), is_list=True, codes="area"),
    )
    timezone: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    # Coordinates placed by hand: editing the address must not re-geocode them.
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by: Mapped[str] = mapped_column(String(254), default="")

    __table_args__ = (Index("ix_office_lat_lon", "lat", "lon"),)

    @property
    def language_list(self) -> list[str]:
        return split_list(self.languages)

    @property
    def category_list(self) -> list[str]:
        return split_list(self.categories)

    @property
    def accessibility_list(self) -> list[str]:
        return split_list(self.accessibility)

    @property
    def serves_list(self) -> list[str]:
        return split_list(self.serves)

    @property
    def is_remote(self) -> bool:
        return self.kind == REMOTE

    @property
    def tz_name(self) -> str:
        return timezone_for(self.country, self.timezone)

    def hours_status(self, now: datetime):
        return status(self.opening_hours, now, tz_name=self.tz_name, country=self.country)

    def to_dict(self, now: datetime, url: str | None = None) -> dict[str, Any]:
        return office_dict({c: getattr(self, c) for c in ROW_COLUMNS}, now, url)


@dataclass(frozen=True)
class OfficeField:
    """One public field of an office: a key of the office object (SPEC), a CSV column, a
    GeoJSON property, a property of the API's Office schema, a field of the admin form."""

    name: str
    label: str  # English message id (labels.field_label shows it in the page language)
    type: str  # "text", "multiline" (Text column), "number", "flag" (bool), "list"
    max_length: int | None  # characters, from the column (a list: its `;`-joined text)
    required: bool  # a file must have the column and a value in it
    codes: str | None  # the code list its values come from: country, language, kind, …

    @property
    def is_list(self) -> bool:
        return self.type == "list"

    @property
    def blank(self) -> Any:
        """The value of a new office whose file left the column out."""
        return {"number": None, "flag": False}.get(self.type, "")


def office_vocabulary(table: Table) -> tuple[OfficeField, ...]:
    """The public fields of an office table, in column order: the columns whose `info` was
    made by `public()`; type and length come from the column itself."""
    fields = []
    for column in table.columns:
        info = column.info
        if not info.get("public"):
            continue
        if info["is_list"]:
            kind = "list"
        elif isinstance(column.type, Boolean):
            kind = "flag"
        elif isinstance(column.type, Float):
            kind = "number"
        elif isinstance(column.type, String) and column.type.length is None:
            kind = "multiline"
        else:
            kind = "text"
        length = info["max_length"] or getattr(column.type, "length", None)
        fields.append(
            OfficeField(column.name, info["label"], kind, length, info["required"], info["codes"])
        )
    return tuple(fields)


OFFICE_VOCABULARY = office_vocabulary(Office.__table__)
OFFICE_FIELD = {field.name: field for field in OFFICE_VOCABULARY}
# The office object's keys, in the order of the CSV columns (SPEC).
OFFICE_FIELDS = tuple(OFFICE_FIELD)
LIST_FIELDS = tuple(field.name for field in OFFICE_VOCABULARY if field.is_list)
REQUIRED_FIELDS = tuple(field.name for field in OFFICE_VOCABULARY if field.required)
OFFICE_MAX_LENGTH = {f.name: f.max_length for f in OFFICE_VOCABULARY if f.max_length}
# What office_dict adds to the stored fields (computed; written by some exports, never read).
COMPUTED_KEYS = ("open_now", "next_change", "timezone", "url")
ROW_COLUMNS = ("id", *OFFICE_FIELDS, "timezone", "active")


def office_dict(row: Mapping[str, Any], now: datetime, url: str | None = None) -> dict[str, Any]:
    """The SPEC office object from a row mapping (ORM or Core), with `open_now` at `now`."""
    tz_name = timezone_for(row["country"], row["timezone"])
    result = status(row["opening_hours"], now, tz_name=tz_name, country=row["country"])
    data = {key: row[key] for key in OFFICE_FIELDS}
    for key in LIST_FIELDS:
        data[key] = split_list(data[key])
    data["demo"] = bool(data["demo"])
    data["open_now"] = result.open
    data["next_change"] = result.next_change.isoformat() if result.next_change else None
    data["timezone"] = tz_name
    data["url"] = url
    return data


class GeocodeCache(db.Model):
    """Answers of the online geocoder, so each query is asked once per cache period.
    A miss is cached too (found = false) so a failing query is not asked again at once."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    query: Mapped[str] = mapped_column(String(300))
    found: Mapped[bool] = mapped_column(Boolean, default=True)
    label: Mapped[str] = mapped_column(String(500), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    precision: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "query", name="uq_geocode_cache_query"),)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A coordinator: network staff who sign in to /admin.

    The session cookie holds ``id:session_token``; signing out (or a new password)
    replaces the token, so a copy of an old cookie opens nothing any more."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def get_id(self) -> str:
        if not self.session_token:
            self.session_token = new_session_token()
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every signed-in browser of this user is signed out at its next request."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


# Spatial index for the nearest search. SQLite: an R*Tree kept in step by triggers.
# PostgreSQL: a GiST index on point(lon, lat). Others fall back to ix_office_lat_lon.
# One definition for both ways a schema is made: `db.create_all()` (tests, via the listeners
# below) and the migrations (migrations/versions/0001_baseline.py runs the same statements).
# The objects are not in the metadata, so autogenerate is told to leave them alone
# (SPATIAL_NAMES, migrations/env.py). Changing this DDL needs a revision that drops the old
# objects and runs spatial_index_ddl() again.
SPATIAL_NAMES = ("office_rtree", "ix_office_geo", "office_version")
_SPATIAL_CREATE = {
    "sqlite": [
        "CREATE VIRTUAL TABLE IF NOT EXISTS office_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
        """CREATE TRIGGER IF NOT EXISTS office_rtree_insert AFTER INSERT ON office
       WHEN new.lat IS NOT NULL AND new.lon IS NOT NULL BEGIN
         INSERT INTO office_rtree VALUES (new.id, new.lat, new.lat, new.lon, new.lon);
       END""",
        """CREATE TRIGGER IF NOT EXISTS office_rtree_update AFTER UPDATE OF lat, lon ON office BEGIN
         DELETE FROM office_rtree WHERE id = old.id;
         INSERT INTO office_rtree SELECT new.id, new.lat, new.lat, new.lon, new.lon
           WHERE new.lat IS NOT NULL AND new.lon IS NOT NULL;
       END""",
        """CREATE TRIGGER IF NOT EXISTS office_rtree_delete AFTER DELETE ON office BEGIN
         DELETE FROM office_rtree WHERE id = old.id;
       END""",
        # Offices already in the table (an index made after them) are indexed too.
        """INSERT INTO office_rtree SELECT id, lat, lat, lon, lon FROM office
       WHERE lat IS NOT NULL AND lon IS NOT NULL AND id NOT IN (SELECT id FROM office_rtree)""",
    ],
    "postgresql": [
        "CREATE INDEX IF NOT EXISTS ix_office_geo ON office USING gist (point(lon, lat))",
    ],
}
_SPATIAL_DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS office_rtree_insert",
        "DROP TRIGGER IF EXISTS office_rtree_update",
        "DROP TRIGGER IF EXISTS office_rtree_delete",
        "DROP TABLE IF EXISTS office_rtree",
    ],
    "postgresql": ["DROP INDEX IF EXISTS ix_office_geo"],
}


def spatial_index_ddl(dialect: str) -> list[str]:
    """The statements that create the office table's spatial index (each a no-op if it exists)."""
    return list(_SPATIAL_CREATE.get(dialect, ()))


def spatial_index_drop_ddl(dialect: str) -> list[str]:
    return list(_SPATIAL_DROP.get(dialect, ()))


# The office list's version: one row, bumped by triggers on every insert, update and delete
# of offices, read by each process's snapshot of the offices (locator/geo/snapshot.py) at most
# every quarter second, so an edit or an import is answered by every worker and server within
# a second. It starts at a random number: a table made again never repeats an old version.
# Made by create_all (the listeners below) and by revision 0006, from these statements.
_VERSION_CREATE = {
    "sqlite": [
        "CREATE TABLE IF NOT EXISTS office_version "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
        "INSERT INTO office_version (id, version) SELECT 1, abs(random() % 1000000000000) "
        "WHERE NOT EXISTS (SELECT 1 FROM office_version)",
        "CREATE TRIGGER IF NOT EXISTS office_version_insert AFTER INSERT ON office "
        "BEGIN UPDATE office_version SET version = version + 1; END",
        "CREATE TRIGGER IF NOT EXISTS office_version_update AFTER UPDATE ON office "
        "BEGIN UPDATE office_version SET version = version + 1; END",
        "CREATE TRIGGER IF NOT EXISTS office_version_delete AFTER DELETE ON office "
        "BEGIN UPDATE office_version SET version = version + 1; END",
    ],
    "postgresql": [
        "CREATE TABLE IF NOT EXISTS office_version "
        "(id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
        "INSERT INTO office_version (id, version) SELECT 1, floor(random() * 1e12)::bigint "
        "WHERE NOT EXISTS (SELECT 1 FROM office_version)",
        """CREATE OR REPLACE FUNCTION office_version_bump() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN UPDATE office_version SET version = version + 1; RETURN NULL; END $$""",
        "DROP TRIGGER IF EXISTS office_version_bump ON office",
        "CREATE TRIGGER office_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        "ON office FOR EACH STATEMENT EXECUTE FUNCTION office_version_bump()",
    ],
}
_VERSION_DROP = {
    "sqlite": [
        *(f"DROP TRIGGER IF EXISTS office_version_{e}" for e in ("insert", "update", "delete")),
        "DROP TABLE IF EXISTS office_version",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS office_version_bump ON office",
        "DROP FUNCTION IF EXISTS office_version_bump()",
        "DROP TABLE IF EXISTS office_version",
    ],
}


def office_version_ddl(dialect: str) -> list[str]:
    """The statements that make the office list's version table and its triggers."""
    return list(_VERSION_CREATE.get(dialect, ()))


def office_version_drop_ddl(dialect: str) -> list[str]:
    return list(_VERSION_DROP.get(dialect, ()))


def _create_spatial_index(_table, connection, **_kw) -> None:
    dialect = connection.dialect.name
    for statement in spatial_index_ddl(dialect) + office_version_ddl(dialect):
        connection.exec_driver_sql(statement)


def _drop_spatial_index(_table, connection, **_kw) -> None:
    dialect = connection.dialect.name
    for statement in office_version_drop_ddl(dialect) + spatial_index_drop_ddl(dialect):
        connection.exec_driver_sql(statement)


event.listen(Office.__table__, "after_create", _create_spatial_index)
event.listen(Office.__table__, "before_drop", _drop_spatial_index)


class FailedLogin(db.Model):
    """A sign-in attempt that failed (or is being checked), counted for the sign-in limit.

    Counted in the database so that the limit holds whichever server process answers. `key`
    is an HMAC (keyed with SECRET_KEY) of the client's address and the e-mail tried: neither
    is stored in clear. Rows older than the limit's window are deleted by the next attempt."""

    __tablename__ = "failed_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

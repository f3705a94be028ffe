"""Statements: importing, finding the places they mention, and the help near those places.

Plain functions: they take the session, the geocoding service and the clock's `now`, and
never commit (the caller ends the transaction)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from locator.offices.search import nearest_offices
from locator.statements.models import Statement
from locator.statements.parsing import (
    MAX_PLACE,
    MAX_PLACES,
    ParsedStatement,
    StatementParseError,
    iter_parsed,
)
from locator.statements.rendering import plain_text, render_markdown

NEAR_KM = 300.0  # farther than this, an office is not "near" a place in a statement
OFFICES_PER_PLACE = 3
MAX_PLACES_SHOWN = 8
_EXPLICIT = re.compile(
    r"^(?P<label>[^|]+?)\s*\|\s*(?P<lat>-?\d{1,2}(?:\.\d+)?)\s*[,;]\s*(?P<lon>-?\d{1,3}(?:\.\d+)?)$"
)


class UnknownPlaces(ValueError):
    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(", ".join(names))
        self.names = list(names)


def place_dict(place: Any) -> dict:
    return {
        "label": str(place.label),
        "lat": round(float(place.lat), 6),
        "lon": round(float(place.lon), 6),
        "precision": str(getattr(place, "precision", "") or "city"),
        "country": str(getattr(place, "country", "") or ""),
    }


def _unique(places: list[dict]) -> list[dict]:
    seen: set = set()
    out = []
    for place in places:
        key = (place["label"].lower(), round(place["lat"], 2), round(place["lon"], 2))
        if key not in seen:
            seen.add(key)
            out.append(place)
    return out[:MAX_PLACES]


def detect_places(geo, title: str, body_md: str, lang: str) -> list[dict]:
    """The cities and countries the statement names, in the gazetteer's spellings."""
    text = title + "\n" + plain_text(render_markdown(body_md))
    return _unique([place_dict(p) for p in geo.find_places(text, lang=lang)])


def resolve_place_names(session: Session, geo, names: Sequence[str], lang: str) -> list[dict]:
    """Places a person typed: a name the geocoder knows, or "Label | lat, lon".

    Raises UnknownPlaces listing every name that could not be placed."""
    places, unknown = [], []
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > MAX_PLACE:
            unknown.append(name[:40] + "…")
            continue
        explicit = _EXPLICIT.match(name)
        if explicit:
            lat, lon = float(explicit["lat"]), float(explicit["lon"])
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                places.append(
                    {
                        "label": explicit["label"],
                        "lat": lat,
                        "lon": lon,
                        "precision": "point",
                        "country": "",
                    }
                )
                continue
            unknown.append(name)
            continue
        found = geo.geocode(session, name, lang=lang)
        if found is None:
            unknown.append(name)
        else:
            place = place_dict(found)
            place["label"] = name  # keep the coordinator's wording
            places.append(place)
    if unknown:
        raise UnknownPlaces(unknown)
    return _unique(places)


def place_line(place: dict) -> str:
    """How a stored place is written back into the admin form (round-trips)."""
    return f"{place['label']} | {place['lat']:.5f}, {place['lon']:.5f}"


def save_parsed(session: Session, geo, parsed: ParsedStatement) -> str:
    """Create or update (by slug) one statement: "created", "updated" or "unchanged"."""
    statement = session.scalar(select(Statement).where(Statement.slug == parsed.slug))
    created = statement is None
    if statement is None:
        statement = Statement(slug=parsed.slug)
        session.add(statement)
    values: dict[str, Any] = {
        "title": parsed.title,
        "published": parsed.published,
        "lang": parsed.lang,
        "source_url": parsed.source_url or "",
        "tags": list(parsed.tags),
    }
    if parsed.places is not None:
        try:
            values["places"] = resolve_place_names(session, geo, parsed.places, parsed.lang)
        except UnknownPlaces as exc:
            raise StatementParseError(
                parsed.source, f"unknown places in the front matter: {exc}"
            ) from None
        values["places_manual"] = True
    elif created or not statement.places_manual:
        values["places"] = detect_places(geo, parsed.title, parsed.body_md, parsed.lang)
        values["places_manual"] = False
    changed = created or statement.body_md != parsed.body_md
    for key, value in values.items():
        if getattr(statement, key) != value:
            setattr(statement, key, value)
            changed = True
    if created or statement.body_md != parsed.body_md:
        statement.body_md = parsed.body_md
    if created:
        return "created"
    return "updated" if changed else "unchanged"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)


def import_path(session: Session, geo, path: Path | str) -> ImportResult:
    """Import a file or a folder; a bad file is reported and the others still load."""
    result = ImportResult()
    for item in iter_parsed(path):
        if isinstance(item, StatementParseError):
            result.errors.append(str(item))
            continue
        try:
            with session.begin_nested():
                outcome = save_parsed(session, geo, item)
        except StatementParseError as exc:
            result.errors.append(str(exc))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
        result.slugs.append(item.slug)
    return result


@dataclass
class PlaceHelp:
    place: dict
    offices: list[dict]  # office objects with "distance_km", nearest first
    map_origin: Any = None  # set by the view for the map
    remote: list[dict] = field(default_factory=list)  # remote help, set where no room is near


def help_near_places(
    conn: Connection,
    places: Sequence[dict],
    now: datetime,
    *,
    limit: int = OFFICES_PER_PLACE,
    near_km: float = NEAR_KM,
) -> list[PlaceHelp]:
    """For each place: the nearest open-or-not offices within `near_km`.

    A country is too large for a radius: its offices nearest to its centre are shown
    instead, whatever the distance."""
    out = []
    for place in list(places)[:MAX_PLACES_SHOWN]:
        lat, lon = place.get("lat"), place.get("lon")
        if lat is None or lon is None:
            continue
        if place.get("precision") == "country" and place.get("country"):
            found = nearest_offices(conn, lat, lon, now=now, limit=20)
            found = [f for f in found if f.row["country"] == place["country"]][:limit]
        else:
            found = nearest_offices(conn, lat, lon, now=now, limit=limit, radius_km=near_km)
        offices = [{**f.office, "distance_km": f.distance_km} for f in found]
        out.append(PlaceHelp(place=place, offices=offices))
    return out


def statement_to_plain(statement: Statement, limit: int = 300) -> str:
    return plain_text(statement.body_html, limit)

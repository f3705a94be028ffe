"""The search service every face uses (pages, API, statements, posters, volunteers):
its parameters, the origin, and the nearest rooms with the remote help for the origin's
area, dressed as SPEC office objects. Its types are in locator/geo/search_types.py."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from locator.geo import snapshot
from locator.geo.gazetteer import Place
from locator.geo.nearest import MAX_LIMIT, NO_FILTERS, nearest
from locator.geo.search_types import (
    DEFAULT_LIMIT,
    BadParameter,
    Filters,
    Found,
    PlaceNotFound,
    SearchRequest,
    SearchResult,
)
from locator.geo.service import GeoService, QueryTooLong
from locator.models import CATEGORIES, office_dict
from locator.offices.areas import remote_offices, select_for_area

OfficeUrl = Callable[[str], "str | None"]
MAX_RADIUS_KM = 20_040.0
MAX_NEAR = 300
MAX_BBOX = 200
MAX_SLUG = 200  # longer slugs are not looked up
# The exact syntax each parameter accepts, which the OpenAPI document repeats (api/openapi.py):
# a value a schema-following client sends is accepted, any other is refused, never guessed at.
LANGUAGE_PATTERN = r"^(?:[a-z]{2,3}|sign)$"
NUMBER_PATTERN = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$"  # JSON's numbers
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")
# A longitude from -180 to 180 and a latitude from -90 to 90 in plain decimal notation (what
# Leaflet's toFixed() and GIS tools write): bbox=minlon,minlat,maxlon,maxlat (API /offices).
LON_PATTERN = r"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]+)?)"
LAT_PATTERN = r"-?(?:90(?:\.0+)?|[1-8]?[0-9](?:\.[0-9]+)?)"
BBOX_PATTERN = rf"^{LON_PATTERN},{LAT_PATTERN},{LON_PATTERN},{LAT_PATTERN}$"
_LANGUAGE_CODE = re.compile(LANGUAGE_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)


def whole_number_value(raw: str, low: int, high: int) -> int | None:
    """`raw` as an int from `low` to `high`, written as any JSON number with no fraction
    ("5", "5.0", "5e0": JSON Schema's integers), else None."""
    if not _NUMBER.fullmatch(raw):
        return None
    value = float(raw)
    return int(value) if value.is_integer() and low <= value <= high else None


def _number(args: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    raw = args.get(name, "")
    if raw == "":
        return None
    # JSON's numbers only: float() would also take " 5", "1_0" and other scripts' digits;
    # "nan" and "inf" are numbers outside any range.
    finite = _NUMBER.fullmatch(raw) is not None
    if not finite and raw.strip().lower().lstrip("+-") not in ("nan", "inf", "infinity"):
        raise BadParameter(name, "invalid_number", _l("“%(name)s” must be a number.", name=name))
    value = float(raw) if finite else math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise BadParameter(
            name,
            "out_of_range",
            _l("“%(name)s” must be between %(low)s and %(high)s.", name=name, low=low, high=high),
        )
    return value


def parse_search(args: Mapping[str, str], *, require_origin: bool = True) -> SearchRequest:
    """Validate the query string of a search; raises BadParameter."""
    near = args.get("near", "")
    if "\x00" in near:
        raise BadParameter(
            "near", "invalid_text", _l("The place contains characters we cannot read.")
        )
    if len(near) > MAX_NEAR:
        raise BadParameter(
            "near", "too_long", _l("The place is too long (at most 300 characters).")
        )
    near = " ".join(near.split())
    lat = _number(args, "lat", -90, 90)
    lon = _number(args, "lon", -180, 180)
    if (lat is None) != (lon is None):
        raise BadParameter("lat", "incomplete_coordinates", _l("Give both latitude and longitude."))
    if require_origin and not near and lat is None:
        raise BadParameter(
            "near", "missing_origin", _l("Type a city or an address, or use your location.")
        )

    limit_raw = args.get("limit", "").strip()
    limit = DEFAULT_LIMIT
    if limit_raw:
        number = whole_number_value(limit_raw, 1, MAX_LIMIT)
        if number is None:
            raise BadParameter(
                "limit",
                "out_of_range",
                _l("“limit” must be a whole number from 1 to %(max)s.", max=MAX_LIMIT),
            )
        limit = number
    radius = _number(args, "radius_km", 0, MAX_RADIUS_KM)
    if radius is not None and radius <= 0:
        raise BadParameter("radius_km", "out_of_range", _l("The radius must be more than 0 km."))

    category = args.get("category", "") or None
    if category is not None and category not in CATEGORIES:
        raise BadParameter("category", "unknown_category", _l("Unknown category."))
    language = args.get("language", "") or None
    if language is not None and not _LANGUAGE_CODE.fullmatch(language):
        raise BadParameter("language", "unknown_language", _l("Unknown language code."))
    open_raw = args.get("open_now", "")
    if open_raw not in TRUE_WORDS + FALSE_WORDS:
        raise BadParameter("open_now", "invalid_boolean", _l("“open_now” must be true or false."))
    filters = Filters(category=category, language=language, open_now=open_raw in TRUE_WORDS)
    return SearchRequest(
        near=near or None, lat=lat, lon=lon, limit=limit, radius_km=radius, filters=filters
    )


def resolve_origin(session: Session, geo: GeoService, req: SearchRequest, lang: str) -> Place:
    """Coordinates win over text; raises PlaceNotFound with suggestions."""
    if req.lat is not None and req.lon is not None:
        return geo.place_at(req.lat, req.lon)  # with the country and region it lies in
    try:
        place = geo.geocode(session, req.near or "", lang=lang)
    except QueryTooLong:
        place = None
    if place is None:
        raise PlaceNotFound(req.near or "", geo.suggest(req.near or "", lang=lang))
    return place


def no_url(_slug: str) -> None:
    return None


def dress(
    row: Mapping[str, Any],
    now: datetime,
    office_url: OfficeUrl = no_url,
    snap: snapshot.Snapshot | None = None,
) -> dict:
    """The SPEC office object of a row, with its URL (built once a minute per office when
    the process's snapshot of the offices is on)."""
    if snap is not None:
        return snap.office(row, now, office_url(row["slug"]))
    return office_dict(row, now, office_url(row["slug"]))


def nearest_offices(
    conn: Connection,
    lat: float,
    lon: float,
    *,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
    radius_km: float | None = None,
    filters: Filters = NO_FILTERS,
    exclude: Iterable[int] = (),
    office_url: OfficeUrl = no_url,
) -> list[Found]:
    """The nearest active rooms to a point, dressed, nearest first."""
    hits = nearest(
        conn,
        lat,
        lon,
        now=now,
        limit=limit,
        radius_km=radius_km,
        filters=filters,
        exclude=exclude,
    )
    snap = snapshot.current(conn)
    return [Found(hit.distance_km, dress(hit.row, now, office_url, snap), hit.row) for hit in hits]


def search(
    session: Session,
    geo: GeoService,
    req: SearchRequest,
    *,
    now: datetime,
    lang: str,
    office_url: OfficeUrl = no_url,
) -> SearchResult:
    """The origin of `req`, its nearest rooms and the remote help for its area, dressed;
    raises PlaceNotFound."""
    origin = resolve_origin(session, geo, req, lang)
    results = nearest_offices(
        session.connection(),
        origin.lat,
        origin.lon,
        now=now,
        limit=req.limit,
        radius_km=req.radius_km,
        filters=req.filters,
        office_url=office_url,
    )
    snap = snapshot.current(session.connection())
    if snap is not None:
        remote = select_for_area(snap.remote_rows, origin.country, origin.region_code)
    else:
        remote = remote_offices(session, origin.country, origin.region_code)
    return SearchResult(
        origin=origin,
        query=req.near,
        results=results,
        remote=[dress(row, now, office_url, snap) for row in remote],
        remote_rows=remote,
    )

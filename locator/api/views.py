"""JSON API. Errors are {"error": {"code", "message"}}; no input yields a 500."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from locator import clock, geo
from locator.api.openapi import openapi_document
from locator.chat import services as chat_services
from locator.errors import ApiError
from locator.extensions import csrf, db
from locator.geo.search_types import BadParameter, PlaceNotFound
from locator.hours import chat_status
from locator.i18n import select_locale
from locator.maps.services import offices_in_box
from locator.models import Office
from locator.offices.search import (
    BBOX_PATTERN,
    MAX_BBOX,
    MAX_SLUG,
    parse_search,
    search,
    whole_number_value,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only GET endpoints; nothing here changes state

MAX_ZOOM = 22
GEOJSON = "application/geo+json"
_BBOX = re.compile(BBOX_PATTERN)
FILTER_PARAMETERS = ("category", "language", "open_now")
OFFICES_PARAMETERS = ("bbox", "zoom", *FILTER_PARAMETERS)
NEAREST_PARAMETERS = ("near", "lat", "lon", "limit", "radius_km", *FILTER_PARAMETERS)
# Office data may be cached for a minute anywhere; a nearest search says where a visitor is
# (coordinates, or an address typed as `near`), so only their own browser may keep it;
# errors are not kept at all.
CACHE_PUBLIC = "public, max-age=60"
CACHE_PRIVATE = "private, max-age=60"
CACHE_DOCUMENT = "public, max-age=3600"


def _lang() -> str:
    # The code, not Babel's Locale object, which costs ~0.1 ms a request to build.
    return select_locale()


def _office_url(slug: str) -> str:
    return url_for("offices.detail", slug=slug, _external=True)


def _office_urls():
    """url_for once per request, not once per office (it dominated a nearest-10 answer)."""
    marker = "__slug__"
    template = url_for("offices.detail", slug=marker, _external=True)
    prefix, _, suffix = template.partition(marker)
    return lambda slug: f"{prefix}{quote(slug, safe='')}{suffix}"


def _bad(error: BadParameter) -> ApiError:
    return ApiError(400, error.code, str(error.message))


def _query(names: tuple[str, ...]) -> dict[str, str]:
    """The operation's parameters; each may be given once (which of two would it mean?),
    an empty one is as if left out, and parameters it does not take are ignored."""
    found = {}
    for name in names:
        values = request.args.getlist(name)
        if len(values) > 1:
            raise ApiError(
                400,
                "repeated_parameter",
                _("“%(name)s” is given more than once: give it once.", name=name),
            )
        if values:
            found[name] = values[0]
    return found


@bp.after_app_request
def cache_control(response):
    if not request.path.startswith(bp.url_prefix + "/") or "Cache-Control" in response.headers:
        return response
    if response.status_code != 200:
        response.headers["Cache-Control"] = "no-store"
    elif request.endpoint == "api.openapi":
        response.headers["Cache-Control"] = CACHE_DOCUMENT
    elif request.endpoint == "api.offices_nearest":
        response.headers["Cache-Control"] = CACHE_PRIVATE
    else:
        response.headers["Cache-Control"] = CACHE_PUBLIC
    return response


@bp.get("/offices/nearest")
def offices_nearest():
    try:
        req = parse_search(_query(NEAREST_PARAMETERS))
    except BadParameter as error:
        raise _bad(error) from None
    now = clock.now()
    try:
        result = search(
            db.session, geo.current(), req, now=now, lang=_lang(), office_url=_office_urls()
        )
    except PlaceNotFound as missing:
        raise ApiError(
            404, "place_not_found", _("We could not find the place “%(q)s”.", q=missing.query)
        ) from None
    origin = result.origin
    return jsonify(
        {
            "origin": {
                "query": result.query,
                "label": origin.label,
                "lat": origin.lat,
                "lon": origin.lon,
                "precision": origin.precision,
                "source": origin.source,
                "country": origin.country,
                "region_code": origin.region_code,
            },
            "results": [
                {"distance_km": round(found.distance_km, 3), "office": found.office}
                for found in result.results
            ],
            "count": len(result.results),
            "remote": result.remote,
        }
    )


def _parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """west, south, east, north; west > east is a box across the antimeridian, and the two
    latitudes bound the same band in either order."""
    if len(raw) > MAX_BBOX or not _BBOX.fullmatch(raw):
        raise ApiError(
            400, "invalid_bbox", _("“bbox” must be minlon,minlat,maxlon,maxlat in degrees.")
        )
    west, south, east, north = (float(part) for part in raw.split(","))
    return west, min(south, north), east, max(south, north)


def _parse_zoom(raw: str) -> int | None:
    if raw == "":
        return None
    zoom = whole_number_value(raw, 0, MAX_ZOOM)
    if zoom is None:
        raise ApiError(
            400, "invalid_zoom", _("“zoom” must be a whole number from 0 to %(max)s.", max=MAX_ZOOM)
        )
    return zoom


def _geojson(document: dict):
    response = jsonify(document)
    response.mimetype = GEOJSON
    return response


@bp.get("/offices")
def offices_collection():
    """Every active room as GeoJSON (remote offices have no place on a map: `nearest`
    answers them by area), optionally within a bounding box."""
    args = _query(OFFICES_PARAMETERS)
    try:
        req = parse_search(
            {k: args[k] for k in FILTER_PARAMETERS if k in args}, require_origin=False
        )
    except BadParameter as error:
        raise _bad(error) from None
    zoom = _parse_zoom(args.get("zoom", ""))
    bbox = _parse_bbox(args["bbox"]) if args.get("bbox") else None
    return _geojson(
        offices_in_box(
            db.session,
            bbox,
            req.filters,
            zoom=zoom,
            now=clock.now(),
            office_url=_office_urls(),
        )
    )


@bp.get("/offices/<slug>")
def office_detail(slug: str):
    if "\x00" in slug:  # PostgreSQL refuses NUL in text: a query would fail with a 500
        raise ApiError(404, "office_not_found", _("There is no such office."))
    office = db.session.scalar(select(Office).where(Office.slug == slug[:MAX_SLUG]))
    if office is None or not office.active:
        raise ApiError(404, "office_not_found", _("There is no such office."))
    return jsonify(office.to_dict(clock.now(), _office_url(office.slug)))


@bp.get("/chat/status")
def chat():
    config = current_app.config
    status = chat_status(config["CHAT_HOURS"], config["CHAT_TIMEZONE"], clock.now())
    status["waiting"] = chat_services.waiting_count(db.session)  # visitors in the chat's queue
    return jsonify(status)


@bp.get("/openapi.json")
def openapi():
    # SITE_URL, not the Host header: a client must not choose the server others are sent to.
    return jsonify(openapi_document(current_app.config["SITE_URL"].rstrip("/") + "/api/v1"))


@bp.route("/<path:anything>")
def api_not_found(anything: str):
    raise ApiError(404, "not_found", _("There is no such API endpoint."))

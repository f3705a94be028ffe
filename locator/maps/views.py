"""The map pages (/map, /embed/map) and the maps placed on the office pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _

from locator import clock, geo
from locator.extensions import db
from locator.geo.search_types import BadParameter, PlaceNotFound
from locator.i18n import page_lang
from locator.maps import figures as maps
from locator.models import CATEGORIES, office_dict
from locator.offices import areas
from locator.offices.search import parse_search, resolve_origin
from locator.security import allow_framing

bp = Blueprint("maps", __name__)

LANGUAGE_CODES = ("uk", "ru", "en", "crh", "ro", "ka", "hy", "kk", "ky", "uz", "pl")
UKRAINE = (48.5, 31.2)
OVERVIEW_ZOOM = 6
ORIGIN_ZOOM = 11


def labels() -> dict[str, str]:
    """The words map.js shows, in the page language."""
    return {
        "region": _("Map of consulting rooms"),
        "open": _("Open now"),
        "closed": _("Closed now"),
        "details": _("Details"),
        "show": _("Show on map"),
        "origin": _("Search point"),
        "loading": _("Loading consulting rooms…"),
        "count": _("Consulting rooms in view: {count}"),
        "none": _("No consulting room in this area. Zoom out or change the filters."),
        "error": _("The consulting rooms could not be loaded. Please try again later."),
        "cluster": _("Consulting rooms: {count}. Zoom in."),
    }


def _tiles() -> dict[str, str]:
    config = current_app.config
    return {
        "tile_url": config["TILE_URL"],
        "attribution": config["TILE_ATTRIBUTION"],
        "static": url_for("static", filename="").rstrip("/"),
    }


@bp.app_template_global()
def results_map(result, items: Sequence[Mapping[str, Any]]) -> maps.MapHtml:
    """The map beside /offices results: origin and numbered offices (templates/maps/)."""
    origin = {"lat": result.origin.lat, "lon": result.origin.lon, "label": result.origin.label}
    # A hotline or an online reception is no place to walk to: no pin (its coordinates
    # are its city's, where several such pins would cover each other). The numbers of
    # the others stay those of the list.
    offices = [
        item["office"] if item["office"].get("address") else {**item["office"], "lat": None}
        for item in items
    ]
    return maps.results_map(origin, offices, labels=labels(), **_tiles())


@bp.app_template_global()
def office_map(data: Mapping[str, Any], neighbours: Sequence[Mapping[str, Any]]) -> maps.MapHtml:
    """The map on /offices/<slug>: the office and its neighbours."""
    return maps.office_map(data, [n["office"] for n in neighbours], labels=labels(), **_tiles())


def _overview(template: str, *, embed: bool):
    message = None
    status = 200
    try:
        req = parse_search(request.args, require_origin=False)
    except BadParameter as error:
        req = parse_search({}, require_origin=False)
        message, status = error.message, 400
    origin = None
    lang = page_lang()
    area: tuple[str | None, str | None] | None = None  # (country, region) of the origin
    if req.has_origin:
        try:
            place = resolve_origin(db.session, geo.current(), req, lang)
            origin = {"lat": place.lat, "lon": place.lon, "label": place.label}
            area = (place.country, place.region_code)
        except PlaceNotFound as missing:
            message = _(
                "We could not find “%(q)s”. Showing every consulting room.", q=missing.query
            )
    filters = {
        "category": req.filters.category,
        "language": req.filters.language,
        "open_now": "1" if req.filters.open_now else None,
    }
    figure = maps.overview_map(
        data_url=url_for("api.offices_collection"),
        filters=filters,
        center=(origin["lat"], origin["lon"]) if origin else UKRAINE,
        zoom=ORIGIN_ZOOM if origin else OVERVIEW_ZOOM,
        labels=labels(),
        embed=embed,
        form_id=None if embed else "map-filters",
        origin=origin,
        **_tiles(),
    )
    # The map draws rooms; remote help (no place on a map) is listed beside it: for the
    # origin's area, or all of it when there is no origin.
    now = clock.now()
    rows = areas.remote_offices(db.session, *area) if area else areas.all_remote(db.session)
    remote = [
        office_dict(row, now, url_for("offices.detail", slug=row["slug"], _external=embed))
        for row in rows
    ]
    return render_template(
        template,
        map=figure,
        req=req,
        message=message,
        categories=CATEGORIES,
        language_codes=LANGUAGE_CODES,
        remote=remote,
        remote_area=areas.origin_area_label(*area, lang) if area else "",
    ), status


@bp.get("/map")
def overview():
    return _overview("maps/map.html", embed=False)


@bp.get("/embed/map")
@allow_framing
def embed():
    return _overview("maps/embed.html", embed=True)

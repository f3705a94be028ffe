"""Public pages: the home page, search results and office pages (server-rendered)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, render_template, request, url_for
from sqlalchemy import select

from locator import clock, geo
from locator.extensions import db
from locator.geo.search_types import BadParameter, PlaceNotFound
from locator.i18n import page_lang
from locator.models import CATEGORIES, Office
from locator.offices.areas import remote_help
from locator.offices.search import nearest_offices, parse_search, search
from locator.urls import site_url

bp = Blueprint("offices", __name__)

SLUG_MAX = 120


@bp.get("/")
def index():
    return render_template("offices/index.html", categories=CATEGORIES)


@bp.get("/offices")
def results():
    try:
        req = parse_search(request.args, require_origin=False)
    except BadParameter as error:
        return render_template(
            "offices/search_error.html", message=error.message, categories=CATEGORIES
        ), 400
    if not req.has_origin:
        return render_template("offices/index.html", categories=CATEGORIES)
    now = clock.now()
    try:
        result = search(
            db.session, geo.current(), req, now=now, lang=page_lang(), office_url=_office_url
        )
    except PlaceNotFound as missing:
        return render_template(
            "offices/not_found.html",
            query=missing.query,
            suggestions=missing.suggestions,
            categories=CATEGORIES,
        ), 404
    items = [
        {"number": number, "distance_km": found.distance_km, "office": found.office}
        for number, found in enumerate(result.results, start=1)
    ]
    origin = result.origin
    return render_template(
        "offices/results.html",
        result=result,
        items=items,
        req=req,
        categories=CATEGORIES,
        **_origin_notes(origin, req.near),
        **remote_help(
            result.remote,
            country=origin.country,
            region_code=origin.region_code,
            distances_km=result.distances_km,
            office=dict,
            config=current_app.config,
            lang=page_lang(),
        ),
    )


def _origin_notes(origin, near: str | None) -> dict:
    """What the page says about the origin: the place that was not found (the answer is
    then its oblast or country) with look-alikes, or the namesakes of the place found."""
    service, lang = geo.current(), page_lang()
    if origin.unmatched:
        return {
            "not_found": origin.unmatched,
            "did_you_mean": service.suggest(origin.unmatched, lang=lang),
        }
    if near and origin.precision == "city" and origin.source == "gazetteer":
        return {"did_you_mean": service.namesakes(near, lang=lang)}
    return {}


def _office_url(slug: str) -> str:
    return url_for("offices.detail", slug=slug)


@bp.get("/offices/<slug>")
def detail(slug: str):
    if len(slug) > SLUG_MAX or "\x00" in slug:  # PostgreSQL refuses NUL in text
        abort(404)
    office = db.session.scalar(select(Office).where(Office.slug == slug))
    if office is None or not office.active:
        abort(404)
    now = clock.now()
    data = office.to_dict(now, url_for("offices.detail", slug=office.slug))
    neighbours = []
    if office.lat is not None and office.lon is not None:
        neighbours = [
            {"distance_km": found.distance_km, "office": found.office}
            for found in nearest_offices(
                db.session.connection(),
                office.lat,
                office.lon,
                now=now,
                limit=3,
                exclude=[office.id],
                office_url=_office_url,
            )
        ]
    return render_template(
        "offices/detail.html",
        office=office,
        data=data,
        neighbours=neighbours,
        json_ld=json_ld(data),
    )


def json_ld(data: dict) -> str:
    """schema.org LegalService; rendered with |tojson-safe escaping by the template."""
    doc = {
        "@context": "https://schema.org",
        "@type": "LegalService",
        "name": data["name"],
        "url": site_url("offices.detail", slug=data["slug"]),
        "telephone": data["phone"] or None,
        "email": data["email"] or None,
        "openingHours": data["opening_hours"] or None,
        "availableLanguage": data["languages"] or None,
        "parentOrganization": {"@type": "Organization", "name": data["organization"]}
        if data["organization"]
        else None,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": data["address"] or None,
            "addressLocality": data["city"] or None,
            "addressRegion": data["region"] or None,
            "postalCode": data["postcode"] or None,
            "addressCountry": data["country"],
        },
    }
    if data["lat"] is not None:
        doc["geo"] = {"@type": "GeoCoordinates", "latitude": data["lat"], "longitude": data["lon"]}
    return json.dumps(_prune(doc), ensure_ascii=False)


def _prune(value):
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    return value

"""Public statement pages and their Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from locator import clock, geo
from locator.extensions import db
from locator.i18n import page_lang
from locator.models import office_dict
from locator.offices.areas import remote_offices
from locator.params import page_arg
from locator.statements.feed import FeedEntry, atom_feed
from locator.statements.models import Statement
from locator.statements.parsing import LANGUAGES, MAX_SLUG
from locator.statements.rendering import plain_text
from locator.statements.services import NEAR_KM, help_near_places
from locator.urls import site_path

bp = Blueprint("statements", __name__, cli_group="statements")

PER_PAGE = 10
FEED_SIZE = 20
MAX_PAGE = 10_000


def _language_filter() -> str | None:
    language = request.args.get("language", "").strip().lower()
    return language if language in LANGUAGES else None


@bp.get("/statements")
def index():
    number = page_arg(high=MAX_PAGE)
    language = _language_filter()
    query = select(Statement).order_by(Statement.published.desc(), Statement.id.desc())
    if language:
        query = query.where(Statement.lang == language)
    page = db.paginate(query, page=number, per_page=PER_PAGE, error_out=False)
    if number > 1 and not page.items:
        abort(404)
    languages = db.session.scalars(select(Statement.lang).distinct()).all()
    return render_template(
        "statements/index.html",
        page=page,
        language=language,
        languages=sorted(languages),
        summary=lambda s: plain_text(s.body_html, 280),
    )


@bp.get("/statements/<slug>")
def detail(slug: str):
    if len(slug) > MAX_SLUG + 40:
        abort(404)
    statement = db.session.scalar(select(Statement).where(Statement.slug == slug))
    if statement is None:
        abort(404)
    help_items = help_near_places(db.session.connection(), statement.places or [], clock.now())
    for place_help in help_items:
        place = place_help.place
        # The shape the maps area's `results_map` takes: the place is the map's origin.
        place_help.map_origin = SimpleNamespace(
            origin=SimpleNamespace(lat=place["lat"], lon=place["lon"], label=place["label"])
        )
        place_help.offices = [
            {
                "distance_km": office["distance_km"],
                "office": office | {"url": url_for("offices.detail", slug=office["slug"])},
            }
            for office in place_help.offices
        ]
        if not place_help.offices:  # no room near: the remote help made for its area
            place_help.remote = _remote_for(place)
    return render_template(
        "statements/detail.html",
        statement=statement,
        help_items=help_items,
        near_km=int(NEAR_KM),
        any_office=any(item.offices for item in help_items),
        share_title=statement.title,
    )


def _remote_for(place: dict) -> list[dict]:
    """The remote offices serving a place's area (its oblast from the gazetteer, then its
    country), as office objects."""
    lat, lon = place.get("lat"), place.get("lon")
    if lat is None or lon is None:
        return []
    at = geo.current().place_at(lat, lon)
    country = place.get("country") or at.country
    region = at.region_code if place.get("precision") != "country" else None
    now = clock.now()
    return [
        office_dict(row, now, url_for("offices.detail", slug=row["slug"]))
        for row in remote_offices(db.session, country, region)
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.get("/statements/feed.atom")
def feed():
    site = current_app.config["SITE_URL"]
    statements = db.session.scalars(
        select(Statement).order_by(Statement.published.desc(), Statement.id.desc()).limit(FEED_SIZE)
    ).all()
    entries = []
    for statement in statements:
        url = site + site_path("statements.detail", slug=statement.slug)
        entries.append(
            FeedEntry(
                id=url,
                title=statement.title,
                url=url,
                published=datetime.combine(statement.published, time(12, 0), tzinfo=UTC),
                updated=_aware(statement.updated_at),
                summary=plain_text(statement.body_html, 400),
                content_html=statement.body_html,
                lang=statement.lang,
                categories=tuple(statement.tags or ()),
            )
        )
    latest = db.session.scalar(select(func.max(Statement.updated_at)))
    body = atom_feed(
        feed_id=site + site_path("statements.feed"),
        title=_("Statements of the legal aid network"),
        self_url=site + site_path("statements.feed"),
        site_url=site + site_path("statements.index"),
        author=current_app.config.get("SITE_NAME") or _("Legal Help Locator"),
        updated=_aware(latest) if latest else clock.now(),
        lang=page_lang(),
        entries=entries,
    )
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    response.charset = "utf-8"
    return response

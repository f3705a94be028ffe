"""The site without a connection: the service worker, the web app manifest, the offline page.

`/sw.js` is rendered with its settings (the shell's versioned URLs, the private paths,
the offline pages) so it lives at the application's root and controls every page below
it, under a path prefix too. Its cache is named after the static files' content
version: a deployment that changes any of them changes `/sw.js`, and the browser installs
the new worker, which drops the old caches.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from locator import clock
from locator.delivery import PRIVATE_PREFIXES
from locator.extensions import db
from locator.i18n import select_locale
from locator.labels import hours_lines
from locator.offline.services import (
    hotline_numbers,
    hotline_offices,
    hours_spans,
    offline_record,
)

bp = Blueprint("offline", __name__)

# Static files every page may need without a connection (the map's too: the country
# outlines keep a map readable offline). Posters' fonts and coordinators' scripts are not.
SHELL = (
    "css/site.css",
    "css/help.css",
    "js/site.js",
    "js/offline.js",
    "js/report-error.js",
    "js/share.js",
    "js/chat-status.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "css/map.css",
    "js/map.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "vendor/world-atlas/countries.geojson",
)
# Paths the worker never stores (besides PRIVATE_PREFIXES and any `no-store` answer):
# the API's answers change by the minute and the map of every office needs them anyway.
NOT_STORED = ("/api/",)


def _root() -> str:
    return url_for("offices.index")


def _below_root(path: str) -> str:
    return _root() + path.lstrip("/")


@bp.app_template_global()
def offline_records(offices) -> list[dict]:
    """Office objects as "save for offline" keeps them (templates/offline/_save.html)."""
    now = clock.now()
    return [offline_record(o, now, hours_lines(o.get("opening_hours"))) for o in offices or ()]


@bp.app_template_filter()
def attribute_json(value) -> Markup:
    """JSON for a single-quoted attribute, like `|tojson` but keeping Cyrillic as UTF-8
    (a third of the bytes of its \\u escapes)."""
    return htmlsafe_json_dumps(value, ensure_ascii=False, separators=(",", ":"))


@bp.get("/sw.js")
def service_worker():
    shell = [url_for("static", filename=name) for name in SHELL]
    languages = current_app.config["LANGUAGES"]
    texts = {}
    for lang in languages:
        with force_locale(lang):
            texts[lang] = {
                "title": _("Not sent: there is no connection"),
                "body": _(
                    "Your form could not be sent because the connection is down. "
                    "What you typed is kept on this device: go back, and send it again "
                    "when the connection is back."
                ),
                "back": _("Back to the form"),
            }
    settings = {
        "root": _root(),
        "shell": shell,
        "offline": {lang: url_for("offline.page", lang=lang) for lang in languages},
        "languages": list(languages),
        "private": [_below_root(p) for p in PRIVATE_PREFIXES],
        "notStored": [_below_root(p) for p in NOT_STORED],
        "static": _below_root(current_app.static_url_path.strip("/") + "/"),
        "texts": texts,
    }
    source = render_template("offline/sw.js", settings=json.dumps(settings, ensure_ascii=False))
    version = hashlib.sha256(source.encode()).hexdigest()[:12]
    body = source.replace("__VERSION__", version)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(version)
    return response.make_conditional(request)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest in the page's language (`?lang=`), for the home screen."""
    lang = request.args.get("lang") or select_locale()
    if lang not in current_app.config["LANGUAGES"]:
        lang = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(lang):
        name = current_app.config.get("SITE_NAME") or _("Legal Help Locator")
        document = {
            "id": _root(),
            "name": name,
            "short_name": _("Legal help"),
            "description": _("Find the nearest free legal consultation, online or in an office."),
            "lang": lang,
            "dir": "ltr",
            "start_url": _root(),
            "scope": _root(),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5394",
            "icons": [
                {
                    "src": url_for("static", filename="img/favicon.svg"),
                    "sizes": "any",
                    "type": "image/svg+xml",
                },
                {
                    "src": url_for("static", filename="img/icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                },
                {
                    "src": url_for("static", filename="img/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                },
                {
                    "src": url_for("static", filename="img/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    response = Response(
        json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def page():
    """What works without a connection: saved offices, hotlines, the chat's hours."""
    now = clock.now()
    config = current_app.config
    hotlines = []
    for office in hotline_offices(db.session):
        data = office.to_dict(now, url_for("offices.detail", slug=office.slug))
        hotlines.append(offline_record(data, now, hours_lines(office.opening_hours)))
    chat_spans = hours_spans(config["CHAT_HOURS"], now, tz_name=config["CHAT_TIMEZONE"])
    return render_template(
        "offline/page.html",
        hotline_numbers=hotline_numbers(config.get("HOTLINE", "")),
        hotlines=hotlines,
        chat_spans=chat_spans,
    )

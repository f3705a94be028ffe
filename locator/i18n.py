"""Language choice: ?lang=, then the cookie, then Accept-Language; Ukrainian by default."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, request
from flask_babel import get_locale
from werkzeug.urls import iri_to_uri

COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang", "")
    if asked in languages:
        return asked
    cookie = request.cookies.get(COOKIE, "")
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or languages[0]


def page_lang() -> str:
    """The language code ("uk", "en") of the page being rendered: Flask-Babel's choice
    for this request (select_locale), Ukrainian outside a request."""
    return str(get_locale() or "uk")


def url_with_lang(lang: str) -> str:
    """The current page in another language (the switch on every page)."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    path = request.script_root + request.path  # under a mirror's prefix too
    return iri_to_uri(f"{path}?{urlencode([*pairs, ('lang', lang)])}")


def init_app(app: Flask) -> None:
    @app.after_request
    def remember_language(response):
        asked = request.args.get("lang", "")
        if asked in app.config["LANGUAGES"] and request.cookies.get(COOKIE) != asked:
            response.set_cookie(
                COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
            )
        response.vary.update(("Accept-Language", "Cookie"))  # one parse of the header
        return response

"""Globals every template can use: navigation, the site's name, the chat status."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime, format_time
from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from locator import clock, i18n
from locator.hours import chat_status
from locator.labels import template_helpers
from locator.offices.areas import area_label

# Links appear once their area registers the endpoint (see CONTRIBUTING.md for names).
MAIN_NAV = (
    ("offices.index", _l("Find help")),
    ("maps.overview", _l("Map")),
    ("feedback.ask", _l("Ask a question")),
    ("statements.index", _l("Statements")),
    ("volunteers.signup", _l("Become a volunteer")),
    ("posters.form", _l("Poster")),
)
FOOTER_NAV = (
    ("volunteers.join", _l("Join the network")),
    ("volunteers.support", _l("Support us")),
    ("volunteers.privacy", _l("Privacy")),
    ("api.openapi", _l("API")),
)


def _available(items) -> list:
    return [
        (endpoint, label) for endpoint, label in items if endpoint in current_app.view_functions
    ]


def site_name() -> str:
    return current_app.config.get("SITE_NAME") or _("Legal Help Locator")


def chat_status_now() -> dict:
    """The online consultation's status for this request, with its next change in words."""
    if "chat_status" not in g:
        config = current_app.config
        status = chat_status(config["CHAT_HOURS"], config["CHAT_TIMEZONE"], clock.now())
        status["next_change_text"] = change_text(status["open"], status["next_change"])
        g.chat_status = status
    return g.chat_status


def change_text(is_open: bool | None, next_change: str | None) -> str:
    """ "Closes at 13:00." / "Opens on Monday at 09:00." in the page language."""
    if not next_change or is_open is None:
        return ""
    moment = datetime.fromisoformat(next_change)
    locale = get_locale() or "uk"
    today = clock.now().astimezone(moment.tzinfo).date()
    time_text = format_time(moment, "HH:mm", tzinfo=moment.tzinfo, locale=locale)
    if moment.date() == today:
        if is_open:
            return _("Closes at %(when)s.", when=time_text)
        return _("Opens at %(when)s.", when=time_text)
    day = format_datetime(moment, "EEEE", tzinfo=moment.tzinfo, locale=locale)
    if is_open:
        return _("Closes on %(day)s at %(time)s.", day=day, time=time_text)
    return _("Opens on %(day)s at %(time)s.", day=day, time=time_text)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(template_helpers())
    app.jinja_env.globals.update(
        site_name=site_name,
        main_nav=lambda: _available(MAIN_NAV),
        footer_nav=lambda: _available(FOOTER_NAV),
        chat_status_now=chat_status_now,
        change_text=change_text,
        url_with_lang=i18n.url_with_lang,
        current_lang=i18n.page_lang,
    )
    app.jinja_env.filters["area_label"] = lambda code: area_label(code, i18n.page_lang())

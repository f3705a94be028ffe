"""The volunteers' area's glue to Flask: the app's mailer and mail sender, e-mails
rendered in the person's language, the city located with the app's geocoder and nearest
search."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from locator import clock, geo
from locator.extensions import db
from locator.geo.service import QueryTooLong
from locator.mailer import Mailer, MailSettings, Message
from locator.offices.search import nearest_offices
from locator.urls import site_path
from locator.volunteers import outbox, tokens
from locator.volunteers.models import Volunteer
from locator.volunteers.services import Located

EXTENSION = "locator.mailer"


class AppMailer(Mailer):
    """The app's mailer: reads the MAIL_* settings when it sends, so a changed config
    (tests, an admin reconfiguring) takes effect without rebuilding anything."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._now = clock.system_now

    @property
    def settings(self) -> MailSettings:  # type: ignore[override]
        return MailSettings.from_config(self._app.config, self._app.instance_path)


def init_app(app: Flask) -> None:
    """`app.extensions["locator.mailer"]`: the mailer every area sends through."""
    app.extensions[EXTENSION] = AppMailer(app)


def mailer() -> Mailer:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if EXTENSION not in app.extensions:
        init_app(app)
    return app.extensions[EXTENSION]


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, on SITE_URL (not on whatever host the request used)."""
    path = site_path(endpoint, **values)  # without a mirror's path prefix
    site = (current_app.config.get("SITE_URL") or "").rstrip("/")
    return site + path if site else url_for(endpoint, _external=True, **values)


def compose_volunteer(volunteer: Volunteer, kind: str) -> Message:
    secret = current_app.config["SECRET_KEY"]
    lang = volunteer.locale if volunteer.locale in current_app.config["LANGUAGES"] else "uk"
    confirm_url = external_url(
        "volunteers.confirm",
        token=tokens.make_token(secret, tokens.CONFIRM, volunteer.public_id, now=clock.now),
        lang=lang,
    )
    withdraw_url = external_url(
        "volunteers.withdraw",
        token=tokens.make_token(secret, tokens.WITHDRAW, volunteer.public_id, now=clock.now),
        lang=lang,
    )
    context = {
        "name": volunteer.name,
        "kind": kind,
        "confirm_url": confirm_url,
        "withdraw_url": withdraw_url,
        "privacy_url": external_url("volunteers.privacy", lang=lang),
        "confirm_days": tokens.MAX_AGE[tokens.CONFIRM] // 86400,
        "lang": lang,
    }
    with force_locale(lang):
        if kind == "confirm":
            subject = _("Please confirm your volunteer sign-up")
        else:
            subject = _("You are already signed up as a volunteer")
        text = render_template("mail/volunteer.txt", subject=subject, **context)
        html = render_template("mail/volunteer.html", subject=subject, **context)
    return Message(
        to=volunteer.email,
        subject=subject,
        text=text,
        html=html,
        headers={"List-Unsubscribe": f"<{withdraw_url}>"},
    )


def address_key(address: str) -> str:
    """The per-address mail cap's key for `address`: a hash keyed with SECRET_KEY."""
    return outbox.address_key(current_app.config["SECRET_KEY"], address)


def _lease() -> timedelta:
    return outbox.lease_for(mailer().settings.timeout)


def send_due(stop: threading.Event | None = None) -> dict[str, int]:
    """Send every queued mail that is due, then return (`flask mail work --once`)."""
    return outbox.work_once(db.session, mailer(), now=clock.now, lease=_lease(), stop=stop)


def run_sender(
    stop: threading.Event,
    interval: float = 1.0,
    report: Callable[[dict[str, int]], None] | None = None,
) -> None:
    """The mail sender (`flask mail work`): sends queued mail until `stop` is set. Needs
    an app context; runs in a process (or a thread) of its own, never in a page's worker."""
    try:
        outbox.work(
            db.session,
            mailer(),
            now=clock.now,
            stop=stop,
            interval=interval,
            lease=_lease(),
            report=report,
        )
    finally:
        db.session.remove()


def locate_city(city: str) -> Located | None:
    """The city's place (gazetteer first) and the nearest active office to it."""
    try:
        place = geo.current().geocode(db.session, city, lang="uk")
    except QueryTooLong:
        return None
    if place is None:
        return None
    hits = nearest_offices(db.session.connection(), place.lat, place.lon, now=clock.now(), limit=1)
    office_id = hits[0].row["id"] if hits else None
    return Located(label=place.label, lat=place.lat, lon=place.lon, office_id=office_id)

"""The volunteers' mails (the sign-up confirmation, "already signed up"), composed in the
person's language and queued with `locator.mail`; and the city of a sign-up located with
the app's geocoder and nearest search."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from locator import clock
from locator.mail import Message
from locator.urls import site_path
from locator.volunteers import tokens
from locator.volunteers.models import Volunteer


def external_url(endpoint: str, **values: Any) -> str:
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

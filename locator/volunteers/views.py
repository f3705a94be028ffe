"""Public pages: /volunteer (sign-up, confirm, withdraw), /join, /support, /privacy."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from locator import clock, geo, mail
from locator.extensions import db, limiter
from locator.geo.service import QueryTooLong
from locator.i18n import page_lang
from locator.offices.search import nearest_offices
from locator.volunteers import mail as volunteer_mail
from locator.volunteers import services, tokens
from locator.volunteers.forms import SKILL_LABELS, DeleteForm, JoinForm, VolunteerForm
from locator.volunteers.services import Located

bp = Blueprint("volunteers", __name__)


def _signup_limit() -> str:
    return current_app.config.get("VOLUNTEER_RATE_LIMIT") or "10 per hour"


@bp.route("/volunteer", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup():
    form = VolunteerForm()
    if form.validate_on_submit():
        if form.website_url.data:  # a bot filled the hidden field: pretend, keep nothing
            return redirect(url_for(".thanks"), code=303)
        data = {name: getattr(form, name).data for name in services.VOLUNTEER_FIELDS}
        services.sign_up(
            db.session,
            data,
            locale=page_lang(),
            locate=locate_city,
            compose=volunteer_mail.compose_volunteer,
            address_key=mail.address_key,
            now=clock.now,
        )  # the mail is queued; the mail sender (`flask mail work`) sends it
        return redirect(url_for(".thanks"), code=303)
    return render_template("volunteers/signup.html", form=form)


@bp.route("/volunteer/thanks")
def thanks():
    return render_template("volunteers/thanks.html")


def _read(purpose: str, token: str) -> str | None:
    """The public id in a link; None when the link is too old; 404 when it is not ours."""
    try:
        return tokens.read_token(current_app.config["SECRET_KEY"], purpose, token, now=clock.now)
    except tokens.TokenExpiredError:
        return None
    except tokens.TokenError:
        abort(404)


@bp.route("/volunteer/confirm/<token>")
def confirm(token: str):
    # Confirming is safe to repeat, so it happens on GET: one click in the e-mail.
    public_id = _read(tokens.CONFIRM, token)
    if public_id is None:
        return render_template("volunteers/link_expired.html", purpose="confirm"), 410
    volunteer = services.confirm(db.session, public_id, now=clock.now)
    if volunteer is None:
        return render_template("volunteers/link_expired.html", purpose="gone"), 410
    return render_template("volunteers/confirmed.html")


@bp.route("/volunteer/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token: str):
    # Deleting is not: a GET only asks, so that mail scanners opening links delete nothing.
    public_id = _read(tokens.WITHDRAW, token)
    if public_id is None:
        return render_template("volunteers/link_expired.html", purpose="withdraw"), 410
    form = DeleteForm()
    if form.validate_on_submit():
        services.withdraw(db.session, public_id, mailer=mail.current())
        return redirect(url_for(".withdrawn"), code=303)
    if not services.exists(db.session, public_id):
        return redirect(url_for(".withdrawn"), code=303)
    return render_template("volunteers/withdraw.html", form=form)


@bp.route("/volunteer/withdrawn")
def withdrawn():
    return render_template("volunteers/withdrawn.html")


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def join():
    form = JoinForm()
    if form.validate_on_submit():
        if not form.website_url.data:
            data = {name: getattr(form, name).data for name in services.JOIN_FIELDS}
            services.request_join(db.session, data, locale=page_lang(), now=clock.now)
        return redirect(url_for(".join_thanks"), code=303)
    return render_template("volunteers/join.html", form=form)


@bp.route("/join/thanks")
def join_thanks():
    return render_template("volunteers/join_thanks.html")


@bp.route("/support")
def support():
    config = current_app.config
    return render_template(
        "volunteers/support.html",
        bank_details=config.get("SUPPORT_BANK_DETAILS") or "",
        links=parse_links(config.get("SUPPORT_LINKS") or ""),
    )


def parse_links(text: str) -> list[tuple[str, str]]:
    """SUPPORT_LINKS: "Label|https://…" items separated by newlines or ";;"; only http(s)."""
    links = []
    for item in text.replace(";;", "\n").splitlines():
        label, _, url = item.partition("|")
        label, url = label.strip(), url.strip()
        if not url:
            label, url = url, label
        if url.startswith(("https://", "http://")):
            links.append((label or url, url))
    return links


@bp.route("/privacy")
def privacy():
    return render_template(
        "volunteers/privacy.html",
        unconfirmed_days=services.UNCONFIRMED_KEPT.days,
        skills=SKILL_LABELS,
    )


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

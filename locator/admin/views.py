"""The coordinators' area under /admin: its blueprint, sign-in and sign-out, the home page and
the navigation. Areas add their own pages in their `admin.py` (`register_admin(bp, nav)`),
called from `create_app`; this package imports no area."""

from __future__ import annotations

import hmac
from functools import cache
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from locator import clock
from locator.admin import throttle
from locator.admin.forms import LoginForm
from locator.extensions import db, limiter, login_manager
from locator.models import Office, User

# (endpoint, label) pairs shown in the admin navigation, in order; areas append theirs.
Nav = list[tuple[str, object]]

PUBLIC_ENDPOINTS = {"admin.login"}


# Compared against when the e-mail is unknown, so that a wrong address takes as long
# as a wrong password and the timing does not tell which coordinators exist.
@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session holds "id:token"; a token replaced at sign-out no longer matches."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 12 or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_token or "", token):
        return None
    return user


def require_login():
    """Every /admin page is closed to strangers, including ones added later."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def no_store(response):
    """Coordinators' pages carry personal data: no browser or proxy may keep a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would help phishing."""
    if not target:
        return url_for("admin.home")
    parts = urlsplit(target)
    # Browsers read "/\evil.example" as "//evil.example": no backslashes, no controls.
    unsafe = "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("admin.home")
    if unsafe or len(target) > 500:
        return url_for("admin.home")
    return target


@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Per address and e-mail, counted in the database (exact across server processes):
        # one coordinator's password is not guessed from one place, and a crowd sharing an
        # address does not lock the others out.
        key = throttle.attempt_key(current_app.secret_key, get_remote_address(), email)
        attempt = throttle.begin(db.session, key, clock.now())
        if not attempt.allowed:
            flash(_("Too many failed sign-ins. Please wait a minute and try again."), "error")
            page = render_template("admin/login.html", form=form)
            return page, 429, {"Retry-After": str(attempt.retry_after)}
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            check_password_hash(_dummy_hash(), form.password.data)
        elif user.is_active and user.check_password(form.password.data):
            throttle.succeeded(db.session, key)
            session.clear()  # a fresh session on sign-in
            login_user(user)
            user.last_login_at = clock.now()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong e-mail or password."), "error")
    return render_template("admin/login.html", form=form)


@login_required
def logout():
    current_user.end_sessions()  # copies of this session cookie stop working too
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("admin.login"))


def home():
    offices = db.session.scalar(select(func.count()).select_from(Office).where(Office.active))
    return render_template("admin/home.html", office_count=offices)


def create_blueprint() -> tuple[Blueprint, Nav]:
    """A fresh admin blueprint (one per app) with the shell's pages, and its navigation.

    `create_app` hands both to each area's `register_admin(bp, nav)`, then registers the
    blueprint; its `require_login` guards every page an area adds."""
    bp = Blueprint("admin", __name__, url_prefix="/admin")
    nav: Nav = [("admin.home", _l("Overview"))]
    bp.before_request(require_login)
    bp.after_request(no_store)
    bp.app_context_processor(lambda: {"admin_nav": nav})
    bp.route("/login", methods=["GET", "POST"])(login)
    bp.post("/logout")(logout)
    bp.get("/")(home)
    return bp, nav

"""Coordinators' sign-in and the area's home page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from locator import clock
from locator.admin.forms import LoginForm
from locator.extensions import db, limiter, login_manager
from locator.models import Office, User

bp = Blueprint("admin", __name__, url_prefix="/admin")

# (endpoint, label) pairs shown in the admin navigation; areas append theirs.
NAV: list[tuple[str, object]] = [("admin.home", _l("Overview"))]

PUBLIC_ENDPOINTS = {"admin.login"}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


@bp.before_request
def require_login():
    """Every /admin page is closed to strangers, including ones added later."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.app_context_processor
def admin_nav():
    return {"admin_nav": NAV}


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would help phishing."""
    if not target:
        return url_for("admin.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("admin.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.is_active and user.check_password(form.password.data):
            session.clear()  # a fresh session on sign-in
            login_user(user)
            user.last_login_at = clock.now()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong e-mail or password."), "error")
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("admin.login"))


@bp.get("/")
def home():
    offices = db.session.scalar(select(func.count()).select_from(Office).where(Office.active))
    return render_template("admin/home.html", office_count=offices)

"""/admin/posters: how many posters of each kind were downloaded (coordinators only)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from locator.admin import Nav
from locator.extensions import db
from locator.posters.forms import LANGUAGE_NAMES
from locator.posters.services import download_counts


def posters():
    rows = download_counts(db.session)
    return render_template(
        "admin/posters/downloads.html",
        rows=rows,
        total=sum(row.count for row in rows),
        language_names=LANGUAGE_NAMES,
    )


def register_admin(bp: Blueprint, nav: Nav) -> None:
    bp.get("/posters")(posters)
    nav.append(("admin.posters", _l("Poster downloads")))

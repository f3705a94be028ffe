"""/admin/posters: how many posters of each kind were downloaded (coordinators only)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from locator.admin import NAV
from locator.admin import bp as admin_bp
from locator.extensions import db
from locator.posters.forms import LANGUAGE_NAMES
from locator.posters.services import download_counts

NAV.append(("admin.posters", _l("Poster downloads")))


# On the admin blueprint, so its login check covers this page like every other /admin page.
@admin_bp.get("/posters")
def posters():
    rows = download_counts(db.session)
    return render_template(
        "posters/admin.html",
        rows=rows,
        total=sum(row.count for row in rows),
        language_names=LANGUAGE_NAMES,
    )

"""Coordinators' office pages: list with search and filters, create, edit, deactivate,
import (upload) and export. Thin views over `admin_service` and the importer."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locator import clock, geo
from locator.admin import Nav
from locator.extensions import db
from locator.feedback.models import REPORT_STATUS_LABELS
from locator.labels import CATEGORY_LABELS
from locator.models import CATEGORIES, Office
from locator.offices import admin_service, importer
from locator.offices.admin_forms import UPLOAD_LIMIT, ActionForm, ImportForm, OfficeForm
from locator.params import page_arg

UNITS = {"line": _l("line"), "feature": _l("feature"), "service": _l("service")}
MEDIA_TYPES = {
    "csv": ("text/csv", "csv"),
    "geojson": ("application/geo+json", "geojson"),
    "hsds": ("application/json", "hsds.json"),
}


def _geocoder():
    service = geo.current()
    return lambda query: service.geocode(db.session, query, lang="uk")


def _user() -> str:
    return current_user.email


def _filters() -> admin_service.Filters:
    args = request.args
    status = args.get("status", "active")
    category = args.get("category", "")
    return admin_service.Filters(
        q=" ".join(args.get("q", "").split())[:200],
        city=args.get("city", "")[:120],
        category=category if category in CATEGORIES else "",
        status=status if status in admin_service.STATUSES else "active",
    )


def offices():
    filters = _filters()
    page = db.paginate(
        admin_service.office_query(filters),
        page=page_arg(),
        per_page=admin_service.PER_PAGE,
        max_per_page=admin_service.PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/offices/list.html",
        page=page,
        filters=filters,
        cities=admin_service.cities(db.session),
        categories=[(code, CATEGORY_LABELS[code]) for code in CATEGORIES],
    )


def _office_or_404(office_id: int) -> Office:
    return db.get_or_404(Office, office_id)


def _save(form: OfficeForm, office: Office | None):
    result = admin_service.save_office(
        db.session,
        office,
        form.clean,
        pinned=bool(form.pinned.data),
        geocode=_geocoder(),
        now=clock.now(),
        user=_user(),
    )
    if result.errors:
        for problem in result.errors:
            getattr(form, problem.field, form.name).errors.append(problem.render(_))
        return None
    for problem in result.warnings:
        flash(problem.render(_), "warning")
    flash(_("The office is saved."), "info")
    return redirect(url_for("admin.office_edit", office_id=result.office.id))


def office_new():
    form = OfficeForm()
    if form.validate_on_submit():
        response = _save(form, None)
        if response is not None:
            return response
    return render_template("admin/offices/edit.html", form=form, office=None, action=ActionForm())


def office_edit(office_id: int):
    office = _office_or_404(office_id)
    form = OfficeForm()
    if form.validate_on_submit():
        response = _save(form, office)
        if response is not None:
            return response
    elif request.method == "GET":
        form.fill(office)
    return render_template(
        "admin/offices/edit.html",
        form=form,
        office=office,
        action=ActionForm(),
        reports=admin_service.office_reports(db.session, office),
        report_labels=REPORT_STATUS_LABELS,
    )


def _switch(office_id: int, active: bool):
    office = _office_or_404(office_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    admin_service.set_active(db.session, office, active, now=clock.now(), user=_user())
    if active:
        flash(_("The office is active again: it is back in search and on the map."), "info")
    else:
        flash(
            _(
                "The office is deactivated: it no longer appears in search, on the map or in the API."
            ),
            "info",
        )
    return redirect(url_for("admin.office_edit", office_id=office.id))


def office_deactivate(office_id: int):
    return _switch(office_id, False)


def office_activate(office_id: int):
    return _switch(office_id, True)


def office_import():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.read(UPLOAD_LIMIT + 1)
        if len(data) > UPLOAD_LIMIT:
            form.file.errors.append(
                _(
                    "The file is larger than %(mb)d MB: split it, or use the command line.",
                    mb=UPLOAD_LIMIT // 2**20,
                )
            )
        else:
            report = importer.import_file(
                db.session,
                data,
                form.format.data,
                now=clock.now(),
                user=_user(),
                geocode=_geocoder(),
                dry_run=bool(form.dry_run.data),
            )
    return render_template("admin/offices/import.html", form=form, report=report, units=UNITS, tr=_)


def office_export():
    fmt = request.args.get("format", "csv")
    if fmt not in importer.FORMATS:
        abort(404)
    include_inactive = request.args.get("inactive") == "1"
    site = url_for("offices.index", _external=True).rstrip("/")
    text = importer.export_text(
        db.session,
        fmt,
        include_inactive=include_inactive,
        url_for_slug=lambda slug: f"{site}/offices/{slug}",
    )
    media_type, extension = MEDIA_TYPES[fmt]
    name = f"offices-{date.today().isoformat()}.{extension}"
    return Response(
        text,
        mimetype=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def register_admin(bp: Blueprint, nav: Nav) -> None:
    bp.get("/offices")(offices)
    bp.route("/offices/new", methods=["GET", "POST"])(office_new)
    bp.route("/offices/<int:office_id>", methods=["GET", "POST"])(office_edit)
    bp.post("/offices/<int:office_id>/deactivate")(office_deactivate)
    bp.post("/offices/<int:office_id>/activate")(office_activate)
    bp.route("/offices/import", methods=["GET", "POST"])(office_import)
    bp.get("/offices/export")(office_export)
    nav.append(("admin.offices", _l("Offices")))

"""Coordinators write and edit statements and correct the places found in them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from locator import geo
from locator.admin import Nav
from locator.extensions import db
from locator.params import page_arg
from locator.statements.forms import StatementForm, tag_list
from locator.statements.models import Statement
from locator.statements.parsing import slugify
from locator.statements.services import (
    UnknownPlaces,
    detect_places,
    place_line,
    resolve_place_names,
)

PER_PAGE = 30


def statements():
    query = select(Statement).order_by(Statement.published.desc(), Statement.id.desc())
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/statements/list.html", page=pagination)


def statement_new():
    return _edit(Statement(), StatementForm(), creating=True)


def statement_edit(statement_id: int):
    statement = db.get_or_404(Statement, statement_id)
    form = StatementForm(obj=statement)
    if request.method == "GET":
        form.tags.data = ", ".join(statement.tags or [])
        form.places.data = "\n".join(place_line(p) for p in statement.places or [])
    return _edit(statement, form, creating=False)


def _edit(statement: Statement, form: StatementForm, *, creating: bool):
    if form.validate_on_submit():
        slug = slugify(form.slug.data or "") or slugify(form.title.data)
        if not slug:
            form.slug.errors.append(_("Give an address made of Latin letters or digits."))
        else:
            clash = db.session.scalar(
                select(Statement.id).where(Statement.slug == slug, Statement.id != statement.id)
            )
            if clash is not None:
                form.slug.errors.append(_("Another statement already has this address."))
        places = None
        service = geo.current()
        if form.detect_places.data:
            places = detect_places(service, form.title.data, form.body_md.data, form.lang.data)
        else:
            lines = (form.places.data or "").splitlines()
            try:
                places = resolve_place_names(db.session, service, lines, form.lang.data)
            except UnknownPlaces as exc:
                form.places.errors.append(
                    _("We could not place: %(names)s.", names=", ".join(exc.names))
                )
        if not form.slug.errors and not form.places.errors:
            statement.slug = slug
            statement.title = form.title.data.strip()
            statement.published = form.published.data
            statement.lang = form.lang.data
            statement.body_md = form.body_md.data
            statement.source_url = (form.source_url.data or "").strip()
            statement.tags = tag_list(form.tags.data)
            if creating and not (form.places.data or "").strip():
                places = detect_places(service, statement.title, statement.body_md, statement.lang)
                statement.places_manual = False
            else:
                statement.places_manual = not form.detect_places.data
            statement.places = places
            if creating:
                db.session.add(statement)
            db.session.commit()
            flash(_("The statement is saved."), "success")
            return redirect(url_for("admin.statement_edit", statement_id=statement.id))
    return render_template(
        "admin/statements/edit.html", form=form, statement=statement, creating=creating
    )


def statement_delete(statement_id: int):
    statement = db.get_or_404(Statement, statement_id)  # CSRFProtect checked the token
    db.session.delete(statement)
    db.session.commit()
    flash(_("The statement is deleted."), "success")
    return redirect(url_for("admin.statements"))


def register_admin(bp: Blueprint, nav: Nav) -> None:
    bp.get("/statements")(statements)
    bp.route("/statements/new", methods=["GET", "POST"])(statement_new)
    bp.route("/statements/<int:statement_id>", methods=["GET", "POST"])(statement_edit)
    bp.post("/statements/<int:statement_id>/delete")(statement_delete)
    nav.append(("admin.statements", _l("Statements")))

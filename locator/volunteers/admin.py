"""Coordinators' pages for volunteers and join requests, on the admin blueprint.

Both are "review lists" — filter, change status, delete, export CSV — built by one
``ReviewPages`` helper, so a later list (questions, error reports) is a few lines.
The admin blueprint's ``require_login`` guards every route added here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from locator.admin import NAV
from locator.admin import bp as admin_bp
from locator.extensions import db
from locator.mail import current as mailer
from locator.models import Office
from locator.params import MAX_ID, page_arg, whole_number
from locator.volunteers import services
from locator.volunteers.csvexport import iter_csv
from locator.volunteers.forms import SKILL_LABELS, DeleteForm, StatusForm
from locator.volunteers.models import SKILLS, JoinRequest, Volunteer

PER_PAGE = 50

STATUS_LABELS = {
    "new": _l("New (not confirmed)"),
    "confirmed": _l("Confirmed"),
    "contacted": _l("Contacted"),
    "active": _l("Active"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
}


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name, ""), high=MAX_ID)


def current_filter(model) -> services.Filter:
    """The list's filters from the query string; unknown values are ignored."""
    status = request.args.get("status", "")
    skill = request.args.get("skill", "")
    return services.Filter(
        city=request.args.get("city", "").strip()[:120],
        skill=skill if skill in SKILLS else "",
        status=status if status in model.statuses else "",
        office_id=_int_arg("office"),
    )


def _back(endpoint: str) -> str:
    """Where to go after a POST: the list with the filters it was sent from."""
    query = request.form.get("back", "")
    if len(query) > 500 or any(c in query for c in "\r\n\\"):
        query = ""
    return url_for(endpoint) + (f"?{query}" if query else "")


class ReviewPages:
    """List with filters and paging, status change, delete and CSV for one model."""

    def __init__(
        self,
        bp: Blueprint,
        *,
        slug: str,
        model,
        columns: Sequence,
        template: str,
        extra_context: Callable[[], dict] | None = None,
    ) -> None:
        self.slug, self.model, self.columns, self.template = slug, model, columns, template
        self.endpoint = f"{bp.name}.{slug.replace('-', '_')}"
        self.extra_context = extra_context or dict
        name = slug.replace("-", "_")
        bp.add_url_rule(f"/{slug}", name, self.list_view)
        bp.add_url_rule(f"/{slug}.csv", f"{name}_csv", self.csv_view)
        bp.add_url_rule(
            f"/{slug}/<int:record_id>/status", f"{name}_status", self.status_view, methods=["POST"]
        )
        bp.add_url_rule(
            f"/{slug}/<int:record_id>/delete", f"{name}_delete", self.delete_view, methods=["POST"]
        )

    def list_view(self):
        criteria = current_filter(self.model)
        page = db.paginate(
            services.review_query(self.model, criteria),
            page=page_arg(),
            per_page=PER_PAGE,
            error_out=False,
        )
        rows = [(record, self._status_form(record)) for record in page.items]
        args = {k: v for k, v in request.args.items() if k != "page"}
        return render_template(
            self.template,
            page=page,
            rows=rows,
            criteria=criteria,
            delete_form=DeleteForm(),
            back=urlencode(args),
            csv_query=urlencode(args),
            status_labels=STATUS_LABELS,
            statuses=self.model.statuses,
            endpoint=self.endpoint,
            **self.extra_context(),
        )

    def _status_form(self, record) -> StatusForm:
        form = StatusForm(prefix=f"r{record.id}", formdata=None)
        allowed = services.allowed_statuses(record)
        choices = [SelectChoice(s, STATUS_LABELS[s]) for s in self.model.statuses if s in allowed]
        if record.status not in allowed:
            choices.insert(0, SelectChoice(record.status, STATUS_LABELS[record.status]))
        form.status.choices = choices
        form.status.data = record.status
        return form

    def _record(self, record_id: int):
        return db.get_or_404(self.model, record_id)

    def status_view(self, record_id: int):
        record = self._record(record_id)
        form = StatusForm(prefix=f"r{record_id}")
        form.status.choices = [SelectChoice(s) for s in services.allowed_statuses(record)]
        if form.validate_on_submit() and services.set_status(db.session, record, form.status.data):
            flash(_("Status changed to “%(status)s”.", status=STATUS_LABELS[record.status]))
        else:
            flash(_("This status cannot be set."), "error")
        return redirect(_back(self.endpoint), code=303)

    def delete_view(self, record_id: int):
        record = self._record(record_id)
        if not DeleteForm().validate_on_submit():
            abort(400)
        services.delete_record(db.session, record, mailer=mailer())
        flash(_("Deleted."))
        return redirect(_back(self.endpoint), code=303)

    def csv_view(self):
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        body = StreamedRows(db.engine, self.columns, current_filter(self.model), self.model)
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{self.slug}-{stamp}.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response


class StreamedRows:
    """A CSV body that reads its rows through a database session of its own.

    The server writes the body after the view has returned and the request's session is
    gone, so the rows cannot come from that session. The query runs here, in the view: a
    database failure answers 503 before anything is sent. The server's ``close()`` (after
    the last byte, or when the client goes away) closes the session."""

    def __init__(self, engine, columns: Sequence, criteria: services.Filter, model) -> None:
        self._session = Session(engine)
        try:
            rows = services.filtered(self._session, criteria, model)
        except BaseException:
            self._session.close()
            raise
        self._chunks = iter_csv(columns, rows)

    def __iter__(self):
        return self._chunks

    def close(self) -> None:
        self._chunks.close()
        self._session.close()


def _volunteer_context() -> dict:
    offices = db.session.execute(
        select(Office.id, Office.name, Office.city)
        .where(Office.id.in_(select(Volunteer.office_id).where(Volunteer.office_id.is_not(None))))
        .order_by(Office.city, Office.name)
    ).all()
    return {"skills": SKILL_LABELS, "offices": offices}


ReviewPages(
    admin_bp,
    slug="volunteers",
    model=Volunteer,
    columns=services.VOLUNTEER_COLUMNS,
    template="admin/volunteers/list.html",
    extra_context=_volunteer_context,
)
ReviewPages(
    admin_bp,
    slug="join-requests",
    model=JoinRequest,
    columns=services.JOIN_COLUMNS,
    template="admin/volunteers/join_requests.html",
)
NAV.append(("admin.volunteers", _l("Volunteers")))
NAV.append(("admin.join_requests", _l("Requests to join")))

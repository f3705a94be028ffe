"""The review list, shared by every coordinators' list of things people sent: volunteers,
join requests, questions, error reports (and next, the chat's conversations).

One `ReviewList` subclass per list says what differs — its model, statuses and their labels,
filters, template, how a status is set and a record deleted — and `register(bp)` adds the
pages: the list (filtered, counted per status, paginated), a status change, a delete and a CSV
export. The admin blueprint's `require_login` guards them; CSRFProtect checks every POST.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from locator.extensions import db
from locator.params import page_arg


class ReviewList:
    """List with filters, counts and paging; status change; delete; CSV — for one model."""

    slug: str  # the URL: /admin/<slug>; the list's endpoint is admin.<slug with "_">
    model: Any
    template: str
    statuses: Sequence[str]
    labels: Mapping[str, Any]  # status → label, kept beside the statuses in the area's models
    item: str = ""  # endpoint prefix of one record's actions (default: the list's name)
    id_arg: str = "record_id"  # the record's id in the action URLs
    status_action: str | None = "status"  # POST /<slug>/<id>/<status_action>; None: no change
    deletable: bool = True  # POST /<slug>/<id>/delete
    exportable: bool = False  # GET /<slug>.csv (then define `export`)
    per_page: int = 50
    redirect_code: int = 303
    flash_category: str = "success"

    # --- what a list says about itself ---------------------------------------------------

    def criteria(self, args: MultiDict) -> Any:
        """The filters from the query string (unknown values ignored); has `.status`."""
        raise NotImplementedError

    def query(self, criteria: Any) -> Select:
        """The records matching `criteria`, in list order."""
        raise NotImplementedError

    def context(self, criteria: Any) -> dict:
        """More for the template (a filter's choices)."""
        return {}

    def row(self, record: Any) -> Any:
        """What the template gets beside each record (a status form)."""
        return None

    def allowed(self, record: Any) -> Sequence[str]:
        """The statuses a coordinator may set on `record`."""
        return self.statuses

    def requested_status(self, record_id: int) -> str:
        return request.form.get("status", "")

    def set_status(self, session: Session, record: Any, status: str) -> None:
        record.status = status
        session.commit()

    def status_message(self, record: Any) -> str:
        return _("Status changed to “%(status)s”.", status=self.labels[record.status])

    def refuse_status(self, record: Any):
        """A status that may not be set: 400 (a hand-made request)."""
        abort(400)

    def delete(self, session: Session, record: Any) -> None:
        session.delete(record)
        session.commit()

    def deleted_message(self, record_id: int) -> str:
        return _("Deleted.")

    def export(self, session: Session, criteria: Any) -> Iterator[str]:
        """The CSV in chunks, read through `session`; the query runs before this returns."""
        raise NotImplementedError

    # --- the pages -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.slug.replace("-", "_")

    def register(self, bp: Blueprint) -> None:
        self.endpoint = f"{bp.name}.{self.name}"
        item = self.item or self.name
        record = f"/{self.slug}/<int:{self.id_arg}>"
        bp.add_url_rule(f"/{self.slug}", self.name, self.list_view)
        if self.exportable:
            bp.add_url_rule(f"/{self.slug}.csv", f"{self.name}_csv", self.csv_view)
        if self.status_action:
            bp.add_url_rule(
                f"{record}/{self.status_action}",
                f"{item}_{self.status_action}",
                self._by_id(self.status_view),
                methods=["POST"],
            )
        if self.deletable:
            bp.add_url_rule(
                f"{record}/delete",
                f"{item}_delete",
                self._by_id(self.delete_view),
                methods=["POST"],
            )

    def _by_id(self, view: Callable[[int], Any]) -> Callable[..., Any]:
        def by_id(**kwargs):
            return view(kwargs[self.id_arg])

        return by_id

    def list_view(self):
        criteria = self.criteria(request.args)
        page = db.paginate(
            self.query(criteria), page=page_arg(), per_page=self.per_page, error_out=False
        )
        by_status = select(self.model.status, func.count()).group_by(self.model.status)
        counts: dict[str, int] = dict(db.session.execute(by_status).all())  # type: ignore[arg-type]
        args = urlencode({k: v for k, v in request.args.items() if k != "page"})
        return render_template(
            self.template,
            page=page,
            rows=[(record, self.row(record)) for record in page.items],
            criteria=criteria,
            counts=counts,
            statuses=self.statuses,
            status_labels=self.labels,
            endpoint=self.endpoint,
            back=args,
            csv_query=args,
            **self.context(criteria),
        )

    def status_view(self, record_id: int):
        record = db.get_or_404(self.model, record_id)
        status = self.requested_status(record_id)
        if status not in self.allowed(record):
            db.session.rollback()
            return self.refuse_status(record) or self._back()
        self.set_status(db.session, record, status)
        flash(self.status_message(record), self.flash_category)
        return self._back()

    def delete_view(self, record_id: int):
        record = db.get_or_404(self.model, record_id)
        self.delete(db.session, record)
        flash(self.deleted_message(record_id), self.flash_category)
        return self._back()

    def csv_view(self):
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        body = StreamedRows(db.engine, self.export, self.criteria(request.args))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{self.slug}-{stamp}.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response

    def _back(self):
        """After a POST: the list with the filters it was sent from (a "back" field, or the
        action URL's query)."""
        query = request.form.get("back", "") or request.query_string.decode("utf-8", "replace")
        if len(query) > 500 or any(c in query for c in "\r\n\\"):
            query = ""
        target = url_for(self.endpoint) + (f"?{query}" if query else "")
        return redirect(target, code=self.redirect_code)


class StreamedRows:
    """A CSV body that reads its rows through a database session of its own.

    The server writes the body after the view has returned and the request's session is
    gone, so the rows cannot come from that session. The query runs here, in the view: a
    database failure answers 503 before anything is sent. The server's ``close()`` (after
    the last byte, or when the client goes away) closes the session."""

    def __init__(self, engine, export: Callable[[Session, Any], Iterator[str]], criteria) -> None:
        self._session = Session(engine)
        try:
            self._chunks = export(self._session, criteria)  # runs the query
        except BaseException:
            self._session.close()
            raise

    def __iter__(self):
        return self._chunks

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        self._session.close()

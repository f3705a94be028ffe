"""Coordinators' pages for volunteers and join requests: two review lists (filter, change
status, delete, export CSV) on the shared `locator.admin.review.ReviewList`."""

from __future__ import annotations

from collections.abc import Iterator

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from locator.admin import Nav
from locator.admin.review import ReviewList
from locator.extensions import db
from locator.mail import current as mailer
from locator.models import Office
from locator.params import MAX_ID, whole_number
from locator.volunteers import services
from locator.volunteers.csvexport import iter_csv
from locator.volunteers.forms import SKILL_LABELS, StatusForm
from locator.volunteers.models import SKILLS, STATUS_LABELS, JoinRequest, Volunteer


class PeopleList(ReviewList):
    """Volunteers or join requests: filtered by city, status (and skill, office)."""

    labels = STATUS_LABELS
    exportable = True
    flash_category = "message"
    columns: list

    @property
    def statuses(self):  # type: ignore[override]
        return self.model.statuses

    def criteria(self, args: MultiDict) -> services.Filter:
        status = args.get("status", "")
        skill = args.get("skill", "")
        return services.Filter(
            city=args.get("city", "").strip()[:120],
            skill=skill if skill in SKILLS else "",
            status=status if status in self.model.statuses else "",
            office_id=whole_number(args.get("office", ""), high=MAX_ID),
        )

    def query(self, criteria: services.Filter):
        return services.review_query(self.model, criteria)

    def row(self, record) -> StatusForm:
        form = StatusForm(prefix=f"r{record.id}", formdata=None)
        allowed = self.allowed(record)
        choices = [SelectChoice(s, STATUS_LABELS[s]) for s in self.model.statuses if s in allowed]
        if record.status not in allowed:
            choices.insert(0, SelectChoice(record.status, STATUS_LABELS[record.status]))
        form.status.choices = choices
        form.status.data = record.status
        return form

    def allowed(self, record):
        return services.allowed_statuses(record)

    def requested_status(self, record_id: int) -> str:
        return StatusForm(prefix=f"r{record_id}").status.data or ""

    def set_status(self, session: Session, record, status: str) -> None:
        services.set_status(session, record, status)

    def refuse_status(self, record):
        flash(_("This status cannot be set."), "error")

    def delete(self, session: Session, record) -> None:
        services.delete_record(session, record, mailer=mailer())

    def export(self, session: Session, criteria: services.Filter) -> Iterator[str]:
        return iter_csv(self.columns, services.filtered(session, criteria, self.model))


class VolunteerList(PeopleList):
    slug = "volunteers"
    model = Volunteer
    template = "admin/volunteers/list.html"
    columns = services.VOLUNTEER_COLUMNS

    def context(self, criteria) -> dict:
        offices = db.session.execute(
            select(Office.id, Office.name, Office.city)
            .where(
                Office.id.in_(select(Volunteer.office_id).where(Volunteer.office_id.is_not(None)))
            )
            .order_by(Office.city, Office.name)
        ).all()
        return {"skills": SKILL_LABELS, "offices": offices}


class JoinRequestList(PeopleList):
    slug = "join-requests"
    model = JoinRequest
    template = "admin/volunteers/join_requests.html"
    columns = services.JOIN_COLUMNS


def register_admin(bp, nav: Nav) -> None:
    """/admin/volunteers… and /admin/join-requests…, and their navigation links."""
    VolunteerList().register(bp)
    JoinRequestList().register(bp)
    nav.append(("admin.volunteers", _l("Volunteers")))
    nav.append(("admin.join_requests", _l("Requests to join")))

"""Coordinators answer questions and resolve error reports: two review lists on the shared
`locator.admin.review.ReviewList`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from locator import clock
from locator.admin import Nav
from locator.admin.review import ReviewList
from locator.feedback import mail, services
from locator.feedback.models import (
    QUESTION_STATUS_LABELS,
    QUESTION_STATUSES,
    REPORT_STATUS_LABELS,
    REPORT_STATUSES,
    ErrorReport,
    Question,
)


@dataclass(frozen=True)
class Criteria:
    status: str = ""
    office: str = ""  # an office's slug (error reports)


class QuestionList(ReviewList):
    """/admin/questions: waiting or answered; "answered" toggles, delete."""

    slug = "questions"
    item = "question"
    id_arg = "question_id"
    status_action = "answered"
    model = Question
    template = "admin/feedback/questions.html"
    statuses = QUESTION_STATUSES
    labels = QUESTION_STATUS_LABELS
    redirect_code = 302

    def criteria(self, args: MultiDict) -> Criteria:
        status = args.get("status", "")
        return Criteria(status=status if status in QUESTION_STATUSES else "")

    def query(self, criteria: Criteria):
        query = select(Question).order_by(Question.created_at.desc(), Question.id.desc())
        if criteria.status:
            query = query.where(Question.status == criteria.status)
        return query

    def requested_status(self, record_id: int) -> str:
        return "answered" if request.form.get("answered", "1") == "1" else "new"

    def set_status(self, session: Session, record: Question, status: str) -> None:
        services.mark_answered(record, status == "answered", clock.now())
        session.commit()

    def status_message(self, record: Question) -> str:
        if record.status == "answered":
            return _("Question %(id)s is marked as answered.", id=record.id)
        return _("Question %(id)s is waiting for an answer again.", id=record.id)

    def delete(self, session: Session, record: Question) -> None:
        mail.forget_acknowledgement(session, record)
        session.delete(record)
        session.commit()

    def deleted_message(self, record_id: int) -> str:
        return _("Question %(id)s is deleted.", id=record_id)


class ReportList(ReviewList):
    """/admin/reports: by status and by office; status changes."""

    slug = "reports"
    item = "report"
    id_arg = "report_id"
    model = ErrorReport
    template = "admin/feedback/reports.html"
    statuses = REPORT_STATUSES
    labels = REPORT_STATUS_LABELS
    deletable = False
    redirect_code = 302

    def criteria(self, args: MultiDict) -> Criteria:
        status = args.get("status", "")
        return Criteria(
            status=status if status in REPORT_STATUSES else "", office=args.get("office", "")[:120]
        )

    def query(self, criteria: Criteria):
        query = select(ErrorReport).order_by(ErrorReport.created_at.desc(), ErrorReport.id.desc())
        if criteria.status:
            query = query.where(ErrorReport.status == criteria.status)
        if criteria.office:
            query = query.where(ErrorReport.office_slug == criteria.office)
        return query

    def set_status(self, session: Session, record: ErrorReport, status: str) -> None:
        services.set_report_status(record, status)
        session.commit()

    def status_message(self, record: ErrorReport) -> str:
        return _("Report %(id)s: %(status)s.", id=record.id, status=self.labels[record.status])


def register_admin(bp: Blueprint, nav: Nav) -> None:
    QuestionList().register(bp)
    ReportList().register(bp)
    nav.append(("admin.questions", _l("Questions")))
    nav.append(("admin.reports", _l("Error reports")))

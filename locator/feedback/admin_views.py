"""Coordinators answer questions and resolve error reports."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from locator import clock
from locator.admin import NAV
from locator.admin import bp as admin_bp
from locator.extensions import db
from locator.feedback import mail, services
from locator.feedback.models import QUESTION_STATUSES, REPORT_STATUSES, ErrorReport, Question
from locator.params import page_arg

NAV.append(("admin.questions", _l("Questions")))
NAV.append(("admin.reports", _l("Error reports")))
PER_PAGE = 50

REPORT_STATUS_LABELS = {
    "new": _l("new"),
    "in_progress": _l("in progress"),
    "fixed": _l("fixed"),
    "rejected": _l("rejected"),
}
QUESTION_STATUS_LABELS = {"new": _l("waiting for an answer"), "answered": _l("answered")}


@admin_bp.get("/questions")
def questions():
    status = request.args.get("status", "")
    query = select(Question).order_by(Question.created_at.desc(), Question.id.desc())
    if status in QUESTION_STATUSES:
        query = query.where(Question.status == status)
    counts = dict(
        db.session.execute(select(Question.status, func.count()).group_by(Question.status)).all()
    )
    return render_template(
        "feedback/admin_questions.html",
        page=db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False),
        status=status,
        counts=counts,
        labels=QUESTION_STATUS_LABELS,
    )


@admin_bp.post("/questions/<int:question_id>/answered")
def question_answered(question_id: int):
    question = db.get_or_404(Question, question_id)
    answered = request.form.get("answered", "1") == "1"
    services.mark_answered(question, answered, clock.now())
    db.session.commit()
    flash(
        _("Question %(id)s is marked as answered.", id=question.id)
        if answered
        else _("Question %(id)s is waiting for an answer again.", id=question.id),
        "success",
    )
    return redirect(url_for("admin.questions", status=request.args.get("status", "")))


@admin_bp.post("/questions/<int:question_id>/delete")
def question_delete(question_id: int):
    question = db.get_or_404(Question, question_id)
    mail.forget_acknowledgement(db.session, question)
    db.session.delete(question)
    db.session.commit()
    flash(_("Question %(id)s is deleted.", id=question_id), "success")
    return redirect(url_for("admin.questions", status=request.args.get("status", "")))


@admin_bp.get("/reports")
def reports():
    status = request.args.get("status", "")
    office = request.args.get("office", "")[:120]
    query = select(ErrorReport).order_by(ErrorReport.created_at.desc(), ErrorReport.id.desc())
    if status in REPORT_STATUSES:
        query = query.where(ErrorReport.status == status)
    if office:
        query = query.where(ErrorReport.office_slug == office)
    counts = dict(
        db.session.execute(
            select(ErrorReport.status, func.count()).group_by(ErrorReport.status)
        ).all()
    )
    return render_template(
        "feedback/admin_reports.html",
        page=db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False),
        status=status,
        office=office,
        counts=counts,
        statuses=REPORT_STATUSES,
        labels=REPORT_STATUS_LABELS,
    )


@admin_bp.post("/reports/<int:report_id>/status")
def report_status(report_id: int):
    report = db.get_or_404(ErrorReport, report_id)
    try:
        services.set_report_status(report, request.form.get("status", ""))
    except ValueError:
        abort(400)
    db.session.commit()
    flash(
        _("Report %(id)s: %(status)s.", id=report.id, status=REPORT_STATUS_LABELS[report.status]),
        "success",
    )
    return redirect(
        url_for(
            "admin.reports",
            status=request.args.get("status", ""),
            office=request.args.get("office", ""),
        )
    )

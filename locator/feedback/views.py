"""`/ask` (a question to the network's experts) and `POST /report-error`."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from locator.extensions import db, limiter
from locator.feedback import mail, services
from locator.feedback.forms import AskForm, ReportForm
from locator.i18n import page_lang
from locator.models import Office

bp = Blueprint("feedback", __name__)

ASK_LIMIT = "5 per hour; 20 per day"
REPORT_LIMIT = "20 per hour; 100 per day"


@bp.app_context_processor
def page_addresses():
    def current_report_path() -> str:
        return services.without_location(request.full_path.rstrip("?"))

    def current_share_url() -> str:
        return current_app.config["SITE_URL"] + current_report_path()

    return {
        "current_report_path": current_report_path,
        "current_share_url": current_share_url,
        "share_links": services.share_links,
    }


@bp.route("/ask", methods=["GET", "POST"])
@limiter.limit(ASK_LIMIT, methods=["POST"])
def ask():
    form = AskForm()
    if form.validate_on_submit():
        if form.website_url.data:
            # A bot filled in the hidden field: look the same, keep nothing.
            flash(_("Thank you! Your question has been sent."), "success")
            return redirect(url_for("feedback.ask"))
        question = services.create_question(
            db.session,
            name=form.name.data,
            contact=form.contact.data,
            region=form.region.data or "",
            topic=form.topic.data,
            text=form.question.data,
            lang=page_lang(),
        )
        ack = None
        if question.contact_kind == "email":
            ack = mail.queue_acknowledgement(db.session, question)
        db.session.commit()  # the question (and its mail) stored before anything is sent
        if ack is None:
            message = _("Thank you! Your question has been sent. An expert will call you back.")
        else:  # queued with the question; the mail sender sends it
            message = _(
                "Thank you! Your question has been sent. A confirmation is on its way to %(email)s.",
                email=question.contact,
            )
        flash(message, "success")
        return redirect(url_for("feedback.ask"))
    status = 400 if request.method == "POST" else 200
    return render_template("feedback/ask.html", form=form), status


def _wants_json() -> bool:
    """fetch() asks for JSON; a plain form post (and the test client) gets HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _report_error(form: ReportForm, message: str, status: int = 400):
    if _wants_json():
        return jsonify(
            {
                "ok": False,
                "error": {"code": "invalid", "message": message},
                "fields": {k: [str(e) for e in v] for k, v in form.errors.items()},
            }
        ), status
    return render_template("feedback/report.html", form=form, message=message), status


@bp.route("/report-error", methods=["GET", "POST"])
@limiter.limit(REPORT_LIMIT, methods=["POST"])
def report_error():
    if request.method == "GET":
        form = ReportForm(formdata=None)
        form.url.data = (
            services.local_path(request.args.get("url"), current_app.config["SITE_URL"]) or "/"
        )
        form.office_slug.data = request.args.get("office", "")[:120]
        form.field.data = (
            request.args.get("field", "")
            if request.args.get("field") in services.OFFICE_FIELDS
            else ""
        )
        form.selection.data = request.args.get("selection", "")[: services.SELECTION_MAX]
        return render_template("feedback/report.html", form=form, message=None)
    form = ReportForm()
    if not form.validate_on_submit():
        first = next((str(e) for errors in form.errors.values() for e in errors), "")
        return _report_error(form, first or _("Please correct the highlighted fields."))
    url = services.local_path(form.url.data, current_app.config["SITE_URL"], request.host)
    root = request.script_root  # a mirror's prefix: the report names the page, not the mirror
    if url and root and url.startswith(root + "/"):
        url = url[len(root) :]
    if url is None:
        return _report_error(form, _("The page address must be a page of this site."))
    office_slug = (form.office_slug.data or "").strip()
    if (
        office_slug
        and db.session.scalar(select(Office.id).where(Office.slug == office_slug)) is None
    ):
        return _report_error(form, _("We do not know this office."))
    services.create_report(
        db.session,
        url=url,
        selection=form.selection.data or "",
        context=form.context.data or "",
        comment=form.comment.data or "",
        lang=page_lang(),
        office_slug=office_slug,
        field=form.field.data or "",
    )
    db.session.commit()
    message = _("Thank you! The network's editors will check it.")
    if _wants_json():
        return jsonify({"ok": True, "message": message}), 201
    flash(message, "success")
    return redirect(url)

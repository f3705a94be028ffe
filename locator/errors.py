"""Error handlers in one place: JSON under /api, friendly pages elsewhere."""

from __future__ import annotations

import traceback

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from locator import logs
from locator.extensions import db


class ApiError(Exception):
    """An API error answered as {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered."),
        403: _("You do not have access to this page."),
        404: _("We could not find this page."),
        405: _("This address does not accept this kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many requests in a short time. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def json_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return json_error(error.status, error.code, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _("The form has expired or was not sent from this site. Please try again.")
        if _wants_json():
            return json_error(400, "csrf", message)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        # Our own wording in the page language; werkzeug's descriptions are English-only.
        message = _messages().get(status) or _("The request could not be completed.")
        if _wants_json():
            code = (error.name or "error").lower().replace(" ", "_")
            return json_error(status, code, message)
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(MethodNotAllowed)
    def method_not_allowed(error: MethodNotAllowed):
        response = make_response(http_error(error))
        response.headers["Allow"] = ", ".join(error.valid_methods or ())  # RFC 9110 §15.5.6
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        db.session.rollback()
        # The error's class and where it happened, not its message: a database error's
        # message quotes the row ("Key (email)=(…) already exists"), and logs keep no
        # personal data.
        frames = logs.Verbatim("".join(traceback.format_tb(error.__traceback__)))
        app.logger.error(
            "Unhandled %s on %s %s\n%s", type(error).__name__, request.method, request.path, frames
        )
        message = _messages()[500]
        if _wants_json():
            return json_error(500, "server_error", message)
        return render_template("errors/error.html", status=500, message=message), 500

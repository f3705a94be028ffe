"""Error handlers in one place: JSON under /api, friendly pages elsewhere.

When the database cannot be reached every request answers 503 with Retry-After, also when
the failure comes after the view (closing the session) or escapes Flask altogether: the
server would otherwise answer its own bare 500 and log the query string.
"""

from __future__ import annotations

import sqlite3
import sys
import traceback

import psycopg
from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from locator import logs
from locator.extensions import db

RETRY_AFTER_SECONDS = 30
# The database is down, restarting, unreachable, locked or out of connections: it may come
# back by itself, so "try again later" (503) is the truth, not "our bug" (500).
# The drivers' own classes too: the nearest search talks to the driver's cursor directly.
_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
)


class ApiError(Exception):
    """An API error answered as {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _wants_json() -> bool:
    """The API, and fetch() calls that ask for JSON (the report dialog reads
    `error.message` to tell the visitor what happened)."""
    if request.path.startswith("/api/"):
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered."),
        403: _("You do not have access to this page."),
        404: _("We could not find this page."),
        405: _("This address does not accept this kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many requests in a short time. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _(
            "The site is briefly unavailable. Please try again in a minute. If you were "
            "sending a form, it was not saved: go back and send it again."
        ),
    }


def database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) says the database cannot be reached."""
    for _depth in range(5):
        if error is None:
            return False
        if isinstance(error, _UNAVAILABLE):
            return True
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        error = error.__cause__ or error.__context__
    return False


def _describe(error: BaseException) -> str:
    """The error's class, and for a database that cannot be reached the driver's first line
    ("connection refused", "database is locked"). Other database errors quote rows
    ("Key (email)=(…)"): only their classes are told, and statements never."""
    orig = getattr(error, "orig", None)
    if orig is None and isinstance(error, psycopg.Error | sqlite3.Error):
        orig = error
    if orig is None:
        return type(error).__name__
    driver = f"{type(orig).__module__}.{type(orig).__name__}"
    if not database_unavailable(error):
        return f"{type(error).__name__} ({driver})"
    first_line = (str(orig).strip().splitlines() or [""])[0][:200]
    return f"{type(error).__name__} ({driver}: {first_line})"


def discard_session() -> None:
    """Roll back, or when even that fails (the connection is gone), drop the session's
    connections without a word to the server and forget the session."""
    try:
        db.session.rollback()
    except Exception:  # a dead connection cannot roll back; closing it below is enough
        _drop_session()


def _drop_session() -> None:
    try:
        if db.session.registry.has():
            db.session.registry().invalidate()
    except Exception as error:  # the registry is cleared below whatever happened
        current_app.logger.warning("database: dropping the session failed: %s", _describe(error))
    db.session.registry.clear()


def close_session(_exc: BaseException | None) -> None:
    """Teardown: remove the request's session; a failure here (the connection died after
    the view, so the rollback in close() fails) loses nothing — nothing was committed — and
    must not turn the view's answer into the server's bare 500."""
    try:
        db.session.remove()
    except Exception as error:
        current_app.logger.warning("database: closing the session failed: %s", _describe(error))
        _drop_session()


def unavailable_response(status: int = 503):
    """The 503 (or 500) answer: JSON under /api, the page in the visitor's language."""
    # Every template asks Flask-Login who is signed in, which asks the database again:
    # the error page is shown to an anonymous visitor.
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()
    message = _messages()[status]
    if _wants_json():
        code = "service_unavailable" if status == 503 else "server_error"
        response = json_error(status, code, message)
    else:
        response = current_app.make_response(
            (render_template("errors/error.html", status=status, message=message), status)
        )
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# When even the error page cannot be made: both languages, no template, no database.
_PLAIN = {
    503: (
        "503 Service Unavailable",
        "Сайт тимчасово недоступний. Спробуйте ще раз за хвилину.\n"
        "The site is briefly unavailable. Please try again in a minute.\n",
    ),
    500: (
        "500 Internal Server Error",
        "Щось пішло не так з нашого боку. Спробуйте пізніше.\n"
        "Something went wrong on our side. Please try again later.\n",
    ),
}


class LastResort:
    """WSGI middleware around Flask: an exception that escapes the app (a failing teardown,
    an error page that failed in turn) still gets our answer — 503 when the database is
    the cause — and the log gets the method and path, never the query string (which
    holds visitors' places and coordinates; gunicorn would log the whole URI)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):
        try:
            return self.wsgi_app(environ, start_response)
        except Exception as error:
            status = 503 if database_unavailable(error) else 500
            self.app.logger.error(
                "Unhandled %s outside the view on %s %s (answered %d)",
                _describe(error),
                environ.get("REQUEST_METHOD", ""),
                environ.get("PATH_INFO", ""),
                status,
            )
            return self._answer(environ, start_response, status, sys.exc_info())

    def _answer(self, environ, start_response, status: int, exc_info):
        try:
            with self.app.request_context(environ):
                response = unavailable_response(status)
            return response(environ, lambda s, h: start_response(s, h, exc_info))
        except Exception:  # the page needs templates and translations: fall back to text
            line, text = _PLAIN[status]
            body = text.encode()
            headers = [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
            ]
            if status == 503:
                headers.append(("Retry-After", str(RETRY_AFTER_SECONDS)))
            start_response(line, headers, exc_info)
            return [body]


def json_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    # Teardown functions run last-registered first: this one removes the session before
    # Flask-SQLAlchemy's own teardown, which would let a failure escape to the server.
    app.teardown_appcontext(close_session)

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
        discard_session()
        if database_unavailable(error):
            app.logger.warning(
                "Database unavailable on %s %s: %s", request.method, request.path, _describe(error)
            )
            return unavailable_response(503)
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

"""werkzeug's development server as the tests' live server, made to keep the WSGI contract."""

from __future__ import annotations


def close_on_drop(app):
    """Make sure a response body is closed even when the browser drops the connection.

    werkzeug's development server closes the body only after draining the socket; when
    the browser has gone (a page navigating away mid-load) that drain raises first and
    the open static file is left to the garbage collector, which pytest reports as an
    unraisable ResourceWarning, and work the app left for the response's close would not
    run. PEP 3333 asks servers to call close() whatever
    happened; gunicorn, which serves production, does."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)

        def chunks():
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return chunks()

    return wsgi

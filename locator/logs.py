"""Logs keep no personal data and cannot be forged.

- No client address: gunicorn's `%(h)s`, its "Invalid request from ip=…" and werkzeug's
  request lines lose it.
- No query string: it can hold a visitor's address or coordinates (`/offices?near=…`),
  so every URI is logged as its path.
- No secret key in a path: a chat's token and a volunteer's confirm/withdraw token are
  logged as "…".
- Control characters are escaped: a path is percent-decoded, so `/offices/a%0D%0AX:1`
  would otherwise write a line of its own into the log.

`init_app` covers the app's loggers (and werkzeug's development server); gunicorn uses
`GunicornLogger` (`logger_class` in gunicorn.conf.py) for its access and error logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from flask import Flask
from flask.logging import default_handler
from gunicorn import glogging

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# "/path?query" → "/path"; the query ends at a space, a quote or the end.
_QUERY = re.compile(r"""((?:^|[\s'"(=])(?:[a-z][a-z0-9+.-]*://[^\s/'"?]+)?/[^\s?'"]*)\?[^\s'"]*""")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])")
# werkzeug's development server: '127.0.0.1 - - [date] "GET / HTTP/1.1" 200 -'
_WERKZEUG_ADDRESS = re.compile(r"^\S* - - \[")
_GUNICORN_INVALID = "Invalid request from ip="
# Paths whose last parts are someone's only key: a chat's token, a volunteer's link.
_KEYED_PATH = re.compile(
    r"(/(?:chat|volunteer/confirm|volunteer/withdraw)/)(?!messages\b)[^/\s?'\"]{16,}"
)


def escape_controls(text: str) -> str:
    """`text` on one line: control characters as \\xNN (\\uNNNN for line separators)."""

    def escape(match: re.Match) -> str:
        code = ord(match[0])
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text)


def without_queries(text: str) -> str:
    """Every "/path?query" (or "https://host/path?query") in `text` without its query."""
    return _QUERY.sub(r"\1", text)


def without_addresses(text: str) -> str:
    return _IPV6.sub("-", _IPV4.sub("-", text))


def without_keys(text: str) -> str:
    """A chat's token or a volunteer's confirm/withdraw token in a path, as "…": whoever
    reads the log must not be able to open the conversation or withdraw the volunteer."""
    return _KEYED_PATH.sub(r"\1…", text)


def safe_text(text: str) -> str:
    return escape_controls(without_keys(without_queries(text)))


class Verbatim(str):
    """Text the code made, not the visitor (a traceback): logged as it is, lines and all."""


class PrivateRecords(logging.Filter):
    """Rewrites a record's arguments (and gunicorn's and werkzeug's pre-formatted
    messages) as `safe_text`: one line, no query string, no client address."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg
        if isinstance(msg, str) and msg.startswith(_GUNICORN_INVALID):
            # 'Invalid request from ip=ADDRESS: ERROR' (an IPv6 address holds ":" but not ": ")
            error = msg.partition(": ")[2]
            record.msg, record.args = "Invalid request: %s", (without_addresses(error),)
        elif record.name == "werkzeug" and isinstance(msg, str):
            record.msg = _WERKZEUG_ADDRESS.sub("- - - [", msg, count=1)
        if isinstance(record.args, Mapping):
            record.args = {key: _safe(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_safe(value) for value in record.args)
        return True


def _safe(value):
    if isinstance(value, Verbatim) or not isinstance(value, str):
        return value
    return safe_text(value)


_FILTER = PrivateRecords()


def _add_filter(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, PrivateRecords) for f in target.filters):
        target.addFilter(_FILTER)


def init_app(app: Flask) -> None:
    # The logger itself (records of app.logger, whatever handlers an operator configures)
    # and Flask's handler (records of the area loggers below it, "locator.…").
    _add_filter(app.logger)
    _add_filter(default_handler)
    _add_filter(logging.getLogger("werkzeug"))


# gunicorn's access log atoms that may be logged: the rest could carry an address (h,
# X-Forwarded-For, REMOTE_ADDR), a query string (q, RAW_URI, Location) or a secret (Cookie).
_ACCESS_ATOMS = frozenset("ltsmUHbBTDMLpa")
_ACCESS_HEADERS = frozenset(
    {
        "{user-agent}i",
        "{accept-language}i",
        "{content-type}i",
        "{content-length}i",
        "{host}i",
        "{content-type}o",
        "{content-length}o",
        "{cache-control}o",
    }
)


class GunicornLogger(glogging.Logger):
    """gunicorn's logger without client addresses, query strings or raw control characters."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        _add_filter(self.error_log)
        for handler in self.error_log.handlers:
            _add_filter(handler)

    def atoms(self, resp, req, environ, request_time) -> dict:
        found = super().atoms(resp, req, environ, request_time)
        atoms = {k: v for k, v in found.items() if k in _ACCESS_ATOMS or k in _ACCESS_HEADERS}
        path = without_keys(_decoded_path(environ.get("PATH_INFO", "")))
        atoms["U"] = path
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        referer = environ.get("HTTP_REFERER")
        atoms["f"] = without_keys(referer.split("?", 1)[0]) if referer else "-"
        return {k: escape_controls(v) if isinstance(v, str) else v for k, v in atoms.items()}


def _decoded_path(path: str) -> str:
    """PATH_INFO is the URL's bytes as Latin-1 (PEP 3333): show the UTF-8 it usually is."""
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path

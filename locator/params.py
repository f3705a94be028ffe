"""Whole numbers from URLs, bounded before they reach the database.

A number in a path or a query string is whatever a client typed: `/admin/offices/99…9`
overflows SQLite's 64-bit integers (and PostgreSQL's 32-bit ones), `?page=10**22` overflows the
OFFSET, and `"²".isdigit()` is true although `int("²")` fails. Every route's `<int:…>`
goes through `IdConverter` (registered as `int` by `create_app`), every list's page
through `page_arg`."""

from __future__ import annotations

from flask import abort, request
from werkzeug.routing import IntegerConverter, ValidationError

# The largest row id an Integer column holds on PostgreSQL (int4; psycopg casts the
# parameter to it, so a larger one fails the query instead of finding no row).
MAX_ID = 2**31 - 1
MAX_PAGE = 10_000


def whole_number(raw: str, *, high: int) -> int | None:
    """`raw` as an int from 0 to `high` when it is only ASCII digits, else None."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)):
        return None
    value = int(raw)
    return value if value <= high else None


class IdConverter(IntegerConverter):
    """`<int:…>` that answers 404 (no route matches) for ids no table can hold."""

    def __init__(self, map, fixed_digits: int = 0, min=None, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        digits = value.removeprefix("-")
        if whole_number(digits, high=MAX_ID) is None:
            raise ValidationError()
        return super().to_python(value)


def page_arg(name: str = "page", *, high: int = MAX_PAGE) -> int:
    """The page number from the query string: 1 when absent, 404 when it is not a page."""
    raw = request.args.get(name, "")
    if raw == "":
        return 1
    page = whole_number(raw, high=high)
    if not page:  # None, or page 0
        abort(404)
    return page

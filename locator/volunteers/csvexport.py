"""CSV for coordinators, safe to open in a spreadsheet.

One writer shared by ``/admin/volunteers.csv``, ``/admin/join-requests.csv`` and
``flask volunteers export``. A cell that a spreadsheet would read as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
apostrophe (OWASP's advice against CSV injection); everything else is written as is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


Column = tuple[str, Callable[[Any], Any]]


def write_csv(out: TextIO, columns: Sequence[Column], rows: Iterable[Any]) -> int:
    """Write a header and one line per row; return the number of rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    count = 0
    for row in rows:
        writer.writerow([neutralise(get(row)) for _, get in columns])
        count += 1
    return count


def iter_csv(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[str]:
    """The same CSV in chunks, for a streamed HTTP response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    for row in rows:
        writer.writerow([neutralise(get(row)) for _, get in columns])
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

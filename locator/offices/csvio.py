"""Office CSV files: the columns are the office object's keys (the vocabulary in
locator/models.py), list values joined with `;`, cells a spreadsheet cannot run as formulas.

Reading accepts what spreadsheet programs save (see `read_csv`); values are checked by
locator/offices/validation.py. No Flask here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from locator.models import LIST_FIELDS, OFFICE_FIELDS, OFFICE_VOCABULARY, REQUIRED_FIELDS
from locator.offices.sources import (
    IGNORED_COLUMNS,
    KNOWN_COLUMNS,
    N_,
    FieldError,
    FileProblem,
    Problem,
    SourceFile,
    SourceRow,
    decode_text,
)

# The office object's keys in the order of the CSV columns (SPEC, CONTRIBUTING).
COLUMNS = OFFICE_FIELDS
MAX_CSV_FIELD = 100_000

# --- reading --------------------------------------------------------------------------


_DELIMITERS = {",": ",", ";": ";", "\t": "Tab", "|": "|"}  # how a report shows each


def _header_fields(first_line: str, delimiter: str) -> list[str]:
    return [normalize_column(c) for c in next(csv.reader([first_line], delimiter=delimiter), [])]


def normalize_column(name: str) -> str:
    return name.strip().strip('"').strip().lower().replace(" ", "_")


def sniff_delimiter(first_line: str) -> str:
    """The delimiter whose split of the header gives the most known column names."""
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        score = sum(1 for name in _header_fields(first_line, delimiter) if name in KNOWN_COLUMNS)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv(data: bytes) -> SourceFile:
    """Rows of an office CSV. Accepts a BOM, Windows line endings, and `;` or tab as the
    delimiter (what spreadsheet programs save in Ukrainian and Russian locales); decimal
    commas in lat/lon are accepted by `validate_office`."""
    text = decode_text(data)
    if not text.strip():
        raise FileProblem(1, N_("The file is empty."))
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = sniff_delimiter(first_line)
    notices: list[Problem] = []
    header = _header_fields(first_line, delimiter)
    unknown = [name or "(empty)" for name in header if name not in KNOWN_COLUMNS]
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if len(unknown) * 2 > len(header):  # mostly not column names: data, not a header
        raise FileProblem(
            1,
            N_(
                "The first line must be the header with the column names "
                "(slug, name, organization, …), but it is: %(found)s"
            ),
            found=first_line[:120],
        )
    if delimiter == "|":
        raise FileProblem(
            1,
            N_("Columns are separated by “%(found)s”. Use commas (or semicolons)."),
            found=delimiter,
        )
    if delimiter != ",":
        notices.append(
            Problem(
                N_("Columns are separated by “%(delimiter)s”, not commas."),
                {"delimiter": _DELIMITERS[delimiter]},
            )
        )
    if unknown:
        raise FileProblem(
            1,
            N_("Unknown columns: %(columns)s. Allowed columns: %(allowed)s."),
            columns=", ".join(unknown),
            allowed=", ".join(COLUMNS),
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise FileProblem(
            1, N_("Columns appear twice: %(columns)s."), columns=", ".join(duplicated)
        )
    if missing:
        raise FileProblem(
            1,
            N_("Required columns are missing: %(columns)s."),
            columns=", ".join(missing),
        )

    rows: list[SourceRow] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CSV_FIELD)
    try:
        start = 1
        next(reader)  # the header, already read
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                break
            if not values or all(not v.strip() for v in values):
                continue
            row = SourceRow(start, {})
            if len(values) != len(header):
                row.errors.append(
                    FieldError.of(
                        "",
                        N_(
                            "This line has %(found)d values but the header has %(expected)d "
                            "columns (a stray delimiter or a missing quote mark?)."
                        ),
                        found=len(values),
                        expected=len(header),
                    )
                )
            for name, value in zip(header, values, strict=False):
                if name not in IGNORED_COLUMNS:
                    row.raw[name] = from_spreadsheet_cell(value)
            rows.append(row)
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise FileProblem(
                start,
                N_("A value is longer than %(limit)d characters."),
                limit=MAX_CSV_FIELD,
            ) from None
        raise FileProblem(
            start,
            N_(
                'Broken quoting: a value that starts with a quote mark (") must end with one, '
                'and a quote mark inside it must be doubled ("").'
            ),
        ) from None
    finally:
        csv.field_size_limit(limit)
    columns = tuple(name for name in header if name not in IGNORED_COLUMNS)
    return SourceFile("line", rows, notices, columns)


# --- writing --------------------------------------------------------------------------


# Spreadsheets run a cell that starts with one of these as a formula (CSV injection), and
# read "+380…" as a number. The CSV we write is meant for spreadsheets: such a cell gets a
# leading apostrophe, which a spreadsheet shows as "text, not a formula" (as the volunteer
# export does, locator/volunteers/csvexport.py). So that export → import loses nothing, a
# cell that really starts with an apostrophe gets one more, and the reader drops exactly
# one apostrophe when one of these, or another apostrophe, follows it. lat and lon are
# written by repr(float) and never need it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_START = (*FORMULA_START, "'")
_NUMERIC_COLUMNS = tuple(f.name for f in OFFICE_VOCABULARY if f.type == "number")


def spreadsheet_cell(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs as a formula (see FORMULA_START)."""
    return "'" + text if text.startswith(_ESCAPED_START) else text


def from_spreadsheet_cell(cell: str) -> str:
    """The text `spreadsheet_cell` was given; any other cell as it is."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_ESCAPED_START) else cell


def _csv_value(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in LIST_FIELDS and not isinstance(value, str):  # a str: already `;`-joined
        return ";".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _csv_cell(name: str, value: Any) -> str:
    text = _csv_value(name, value)
    return text if name in _NUMERIC_COLUMNS else spreadsheet_cell(text)


def write_csv(
    offices: Iterable[Mapping[str, Any]], out: TextIO, *, with_active: bool = False
) -> int:
    """The SPEC's CSV (UTF-8, no BOM, `\\r\\n` rows as RFC 4180); returns the number of rows."""
    columns = COLUMNS + (("active",) if with_active else ())
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for office in offices:
        writer.writerow([_csv_cell(name, office.get(name)) for name in columns])
        count += 1
    return count

"""What the office readers share: problems and their messages, the rows a reader found, and
decoding a file's bytes (text and JSON).

No Flask here, so the CLI, the admin upload, `flask seed` and the tests share one reader.
Messages are English message ids marked with `N_` (extracted by Babel) and formatted with
their parameters by the caller, in the caller's language (`Problem.render(gettext)`).

What a reader does with a bad file:
- a problem with the whole file (not UTF-8, no header, unknown columns, broken quoting,
  not JSON) raises `FileProblem` with the line: nothing from the file is loaded;
- a problem with one row (a wrong value, a duplicate slug, a stray comma) is reported for
  that row and the other rows still load.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from locator.models import COMPUTED_KEYS, N_, OFFICE_FIELDS

__all__ = ["N_"]

# Computed by the site: written by some exports, ignored on import.
IGNORED_COLUMNS = COMPUTED_KEYS
# Optional: only exports with inactive offices carry it; import leaves `active` alone without it.
EXTRA_COLUMNS = ("active",)
# Every key a file may hold.
KNOWN_COLUMNS = frozenset(OFFICE_FIELDS) | frozenset(IGNORED_COLUMNS) | frozenset(EXTRA_COLUMNS)

# --- problems -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A message id with its parameters; `render` formats it in the caller's language."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        text = gettext(self.message) if gettext else self.message
        return text % dict(self.params) if self.params else text

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class FieldError(Problem):
    """What is wrong with one field of one row (`field` is "" for the whole row)."""

    field: str = ""

    @classmethod
    def of(cls, name: str, message: str, /, **params: Any) -> FieldError:
        return cls(message=message, params=params, field=name)

    @property
    def reason(self) -> str:
        return self.render()


class FileProblem(Exception):
    """The whole file cannot be read; nothing from it is loaded."""

    def __init__(self, line: int | None, message: str, **params: Any):
        self.line = line
        self.problem = Problem(message, params)
        super().__init__(f"line {line}: {self.problem}" if line else str(self.problem))

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        return self.problem.render(gettext)


@dataclass
class SourceRow:
    """One office as found in a file, before checking. `position` is the line (CSV) or the
    1-based number of the feature (GeoJSON) or service (HSDS); `errors` are problems the
    reader already saw (a row with too many values, a feature that is not a Point)."""

    position: int
    raw: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class SourceFile:
    """What a reader found: the rows, what a position means, and notices for the report."""

    unit: str  # "line" | "feature" | "service"
    rows: list[SourceRow]
    notices: list[Problem] = field(default_factory=list)
    columns: tuple[str, ...] | None = None  # CSV: the office keys present in the header


def decode_text(data: bytes) -> str:
    """UTF-8 text without a BOM, or FileProblem naming the line and the likely encoding."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(1, N_("The file is in UTF-16. Save it as UTF-8 (“CSV UTF-8”)."))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        guess = guess_encoding(data)
        if guess:
            raise FileProblem(
                line,
                N_(
                    "The file is not UTF-8 (it looks like %(encoding)s). "
                    "Save it as UTF-8 and try again."
                ),
                encoding=guess,
            ) from None
        raise FileProblem(
            line, N_("The file is not UTF-8. Save it as UTF-8 and try again.")
        ) from None


def guess_encoding(data: bytes) -> str | None:
    """The single-byte Cyrillic code page the bytes most likely are, or Latin-1."""
    high = bytes(b for b in data if b >= 0x80)
    if not high:
        return None
    # In running Cyrillic text lowercase letters dominate: in cp1251 they are 0xE0–0xFF,
    # in KOI8-R 0xC0–0xDF.
    cp1251_lower = sum(1 for b in high if b >= 0xE0)
    koi8_lower = sum(1 for b in high if 0xC0 <= b <= 0xDF)
    if cp1251_lower + koi8_lower >= len(high) * 0.6:
        return "cp1251 (Windows Cyrillic)" if cp1251_lower >= koi8_lower else "KOI8"
    return "cp1252 / Latin-1"


# --- JSON -----------------------------------------------------------------------------


# More digits than any float holds (1.8e308): no office value is that long, and Python
# refuses to read an integer of more than 4,300 digits (ValueError, not a JSON error).
MAX_JSON_DIGITS = 308


class _LongNumber(ValueError):
    def __init__(self, digits: str) -> None:
        super().__init__("number too long")
        self.digits = digits


def _json_int(digits: str) -> int:
    if len(digits) > MAX_JSON_DIGITS:
        raise _LongNumber(digits)
    return int(digits)


def load_json(data: bytes) -> Any:
    text = decode_text(data)
    if not text.strip():
        raise FileProblem(1, N_("The file is empty."))
    try:
        return json.loads(text, parse_int=_json_int)
    except _LongNumber as exc:
        raise FileProblem(
            text.count("\n", 0, max(text.find(exc.digits), 0)) + 1,
            N_("The file holds a number with %(count)d digits; no value can be that long."),
            count=len(exc.digits.lstrip("-")),
        ) from None
    except json.JSONDecodeError as exc:
        raise FileProblem(
            exc.lineno,
            N_("The file is not valid JSON: %(detail)s (column %(column)d)."),
            detail=exc.msg,
            column=exc.colno,
        ) from None
    except RecursionError:
        raise FileProblem(
            None, N_("The file is not valid JSON: it is nested too deeply.")
        ) from None

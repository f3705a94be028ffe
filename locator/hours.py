"""Opening hours in OpenStreetMap syntax, evaluated with opening-hours-py.

Parsed expressions are cached per (expression, time zone, country): parsing costs
~40 µs, evaluating a parsed one ~6 µs, and a results page evaluates dozens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The package's stubs omit its exception classes (they exist at run time).
from opening_hours import OpeningHours, ParserError, UnknownCountryError  # type: ignore[attr-defined]

MAX_LENGTH = 500

# Time zone of an office from its country; offices may override it.
COUNTRY_TIMEZONES = {
    "UA": "Europe/Kyiv",
    "MD": "Europe/Chisinau",
    "GE": "Asia/Tbilisi",
    "AM": "Asia/Yerevan",
    "AZ": "Asia/Baku",
    "KZ": "Asia/Almaty",
    "KG": "Asia/Bishkek",
    "UZ": "Asia/Tashkent",
    "TJ": "Asia/Dushanbe",
    "TM": "Asia/Ashgabat",
    "BY": "Europe/Minsk",
    "PL": "Europe/Warsaw",
    "RO": "Europe/Bucharest",
    "LT": "Europe/Vilnius",
    "LV": "Europe/Riga",
    "EE": "Europe/Tallinn",
    "DE": "Europe/Berlin",
    "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest",
    "MN": "Asia/Ulaanbaatar",
}
DEFAULT_TIMEZONE = "Europe/Kyiv"


class InvalidHours(ValueError):
    """The text is not valid OpenStreetMap opening_hours syntax."""


@dataclass(frozen=True)
class HoursStatus:
    open: bool | None  # None: unknown (no hours, or the expression says "unknown")
    next_change: datetime | None


def timezone_for(country: str | None, override: str | None = None) -> str:
    if override:
        return override
    return COUNTRY_TIMEZONES.get((country or "").upper(), DEFAULT_TIMEZONE)


@lru_cache(maxsize=4096)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


@lru_cache(maxsize=8192)
def parse_hours(
    expression: str, tz_name: str = DEFAULT_TIMEZONE, country: str = "UA"
) -> OpeningHours:
    """Parse once per (expression, zone, country); raises InvalidHours."""
    if len(expression) > MAX_LENGTH or "\x00" in expression:
        raise InvalidHours("too long or contains control characters")
    zone = _zone(tz_name)
    try:
        try:
            return OpeningHours(expression, timezone=zone, country=country or None)
        except UnknownCountryError:
            # No holiday calendar for this country: "PH" simply never matches.
            return OpeningHours(expression, timezone=zone)
    except (ParserError, SyntaxError, ValueError) as exc:
        raise InvalidHours(str(exc).strip().splitlines()[0] if str(exc) else "invalid") from exc


def validate_hours(expression: str) -> str | None:
    """None when valid, else a short reason (for forms and importers)."""
    try:
        parse_hours(expression.strip())
    except InvalidHours as exc:
        return str(exc)
    return None


def status(
    expression: str | None, now: datetime, *, tz_name: str = DEFAULT_TIMEZONE, country: str = "UA"
) -> HoursStatus:
    """Open now or not, and when that changes next, at the aware datetime `now`."""
    if not expression:
        return HoursStatus(None, None)
    # Hours are written to the minute: every second of a minute has the same answer, so
    # the offices of one list (which share a few common expressions) are evaluated once.
    return _status(expression, now.replace(second=0, microsecond=0), tz_name, country or "")


@lru_cache(maxsize=4096)
def _status(expression: str, now: datetime, tz_name: str, country: str) -> HoursStatus:
    try:
        hours = parse_hours(expression, tz_name, country)
    except InvalidHours:
        return HoursStatus(None, None)
    local = now.astimezone(_zone(tz_name))
    is_open = None if hours.is_unknown(local) else bool(hours.is_open(local))
    change = hours.next_change(local)
    if change is not None and change.tzinfo is None:
        change = change.replace(tzinfo=_zone(tz_name))
    return HoursStatus(is_open, change)


def chat_status(hours: str, tz_name: str, now: datetime) -> dict:
    """The online consultation's status, as `/api/v1/chat/status` and the help blocks show it."""
    result = status(hours, now, tz_name=tz_name, country="UA")
    return {
        "open": bool(result.open),
        "hours": hours,
        "timezone": tz_name,
        "next_change": result.next_change.isoformat() if result.next_change else None,
    }


_DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_RE = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)\b")


def describe(expression: str | None, day_names: dict[str, str], words: dict[str, str]) -> list[str]:
    """The hours as lines a person reads: one line per rule, days in the page language.

    `day_names` maps "Mo".."Su", "PH" to localized short names; `words` maps "off",
    "closed", "open", "24/7" to localized words. Kept Flask-free: the caller translates.
    """
    if not expression:
        return []
    try:
        normalized = parse_hours(expression).normalize()
    except InvalidHours:
        return [expression]
    text = str(normalized)
    if text.strip() == "24/7":
        return [words.get("24/7", "24/7")]
    lines = []
    for rule in (part.strip() for part in text.split(";")):
        if not rule:
            continue
        if rule[:1].isdigit():  # normalize() drops "Mo-Su": a rule for every day starts with a time
            rule = f"{words.get('daily', 'daily')} {rule}"
        rule = _DAY_RE.sub(lambda m: day_names.get(m.group(1), m.group(1)), rule)
        for key in ("off", "closed", "open", "unknown"):
            rule = re.sub(rf"\b{key}\b", words.get(key, key), rule)
        lines.append(rule.replace(",", ", ").replace("-", "–"))
    return lines

"""What a visitor keeps for the hours without a connection.

An office saved in the browser carries its opening hours twice: as lines to read, and as
the open intervals of the next two weeks in Unix minutes, so the page's script can say
"open now" and "closes at 13:00" offline without an opening-hours parser of its own
(public holidays included: opening-hours-py has already applied them). Past the horizon
the script says the hours are unknown rather than guess.

Hotlines are the offices with no street address (by phone or online) and the `HOTLINE`
setting. No function here imports `flask.request`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opening_hours import State
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from locator.hours import DEFAULT_TIMEZONE, InvalidHours, parse_hours
from locator.models import Office

HORIZON_DAYS = 14

# The fields of an office object that an offline copy keeps: nothing else leaves.
RECORD_FIELDS = ("slug", "name", "organization", "address", "city", "phone", "url")


def zone_for(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def unix_minutes(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def hours_spans(
    expression: str | None,
    now: datetime,
    *,
    tz_name: str,
    country: str = "UA",
    days: int = HORIZON_DAYS,
) -> dict[str, Any]:
    """`{"from", "until", "open": [[start, end], …], "unknown": [[start, end], …]}`:
    `from` and `until` in Unix minutes, the spans in minutes after `from`, up to `days`
    ahead; empty lists when there are no valid hours."""
    start = now.replace(second=0, microsecond=0).astimezone(zone_for(tz_name))
    end = start + timedelta(days=days)
    spans: dict[str, Any] = {
        "from": unix_minutes(start),
        "until": unix_minutes(end),
        "open": [],
        "unknown": [],
    }
    if not expression:
        return spans
    try:
        hours = parse_hours(expression, tz_name, country or "")
    except InvalidHours:
        return spans
    for begin, finish, state, _comment in hours.intervals(start, end):
        key = {State.OPEN: "open", State.UNKNOWN: "unknown"}.get(state)
        if key:
            first = unix_minutes(start)
            spans[key].append([unix_minutes(begin) - first, unix_minutes(finish or end) - first])
    return spans


def is_remote(office: Mapping[str, Any]) -> bool:
    """A hotline or an online/phone reception: no place to walk into."""
    kind = office.get("kind")
    return kind == "remote" if kind else not office.get("address")


def offline_record(
    office: Mapping[str, Any], now: datetime, hours_lines: list[str]
) -> dict[str, Any]:
    """One office as the browser keeps it (the office object's public fields only)."""
    record = {key: office.get(key) or "" for key in RECORD_FIELDS}
    record["remote"] = is_remote(office)
    record["hours"] = hours_lines
    record["timezone"] = office.get("timezone") or ""
    record["spans"] = hours_spans(
        office.get("opening_hours"),
        now,
        tz_name=office.get("timezone") or "Europe/Kyiv",
        country=office.get("country") or "",
    )
    return record


def hotline_offices(session: Session, limit: int = 20) -> list[Office]:
    """Active offices without a street address, by name."""
    query = (
        select(Office)
        .where(Office.active.is_(True), or_(Office.address == "", Office.address.is_(None)))
        .order_by(Office.name)
        .limit(limit)
    )
    return list(session.scalars(query))


def hotline_numbers(setting: str) -> list[str]:
    """The `HOTLINE` setting: one number or several separated by `;`."""
    return [part.strip() for part in (setting or "").split(";") if part.strip()]


def shell_files(static_folder_files: Iterable[str]) -> list[str]:
    """Static files every page may need offline, in the order they are fetched."""
    return [name for name in static_folder_files if not name.endswith((".ttf", ".md", ".txt"))]

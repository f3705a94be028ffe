"""Opening hours: open now, the next change, time zones, Ukrainian public holidays, words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from locator.hours import (
    DEFAULT_TIMEZONE,
    chat_status,
    describe,
    status,
    timezone_for,
    validate_hours,
)

KYIV = ZoneInfo("Europe/Kyiv")
ALMATY = ZoneInfo("Asia/Almaty")
WEEKDAYS = "Mo-Fr 09:00-18:00"
LUNCH = "Mo-Fr 09:00-13:00,14:00-18:00; PH off"
UK_DAYS = {"Mo": "пн", "Tu": "вт", "We": "ср", "Th": "чт", "Fr": "пт", "Sa": "сб", "Su": "нд"}
UK_WORDS = {"off": "зачинено", "closed": "зачинено", "24/7": "цілодобово"}


def kyiv(*args) -> datetime:
    return datetime(*args, tzinfo=KYIV)


# 2026-11-25 is a Wednesday.
@pytest.mark.parametrize(
    ("moment", "is_open", "change"),
    [
        (kyiv(2026, 11, 25, 8, 59), False, kyiv(2026, 11, 25, 9, 0)),
        (kyiv(2026, 11, 25, 9, 0), True, kyiv(2026, 11, 25, 13, 0)),
        (kyiv(2026, 11, 25, 12, 59), True, kyiv(2026, 11, 25, 13, 0)),
        (kyiv(2026, 11, 25, 13, 30), False, kyiv(2026, 11, 25, 14, 0)),  # lunch break
        (kyiv(2026, 11, 25, 17, 30), True, kyiv(2026, 11, 25, 18, 0)),
        (kyiv(2026, 11, 25, 18, 0), False, kyiv(2026, 11, 26, 9, 0)),
        (kyiv(2026, 11, 27, 19, 0), False, kyiv(2026, 11, 30, 9, 0)),  # Friday → Monday
        (kyiv(2026, 11, 28, 11, 0), False, kyiv(2026, 11, 30, 9, 0)),  # Saturday
    ],
)
def test_open_now_and_next_change_through_a_week(moment, is_open, change):
    result = status(LUNCH, moment)
    assert result.open is is_open
    assert result.next_change == change


def test_now_in_utc_is_read_in_the_offices_zone():
    # 07:30 UTC is 09:30 in Kyiv in winter (UTC+2): open.
    assert status(WEEKDAYS, datetime(2026, 11, 25, 7, 30, tzinfo=UTC)).open is True
    # 06:30 UTC is 08:30 in Kyiv: not yet.
    assert status(WEEKDAYS, datetime(2026, 11, 25, 6, 30, tzinfo=UTC)).open is False


def test_summer_time_moves_the_opening_in_utc():
    # Kyiv is UTC+3 in summer: 06:30 UTC is 09:30 local.
    assert status(WEEKDAYS, datetime(2026, 7, 15, 6, 30, tzinfo=UTC)).open is True
    assert status(WEEKDAYS, datetime(2026, 7, 15, 5, 30, tzinfo=UTC)).open is False


def test_an_office_in_almaty_keeps_almaty_hours():
    # 11:00 in Kyiv is afternoon in Almaty: both open.
    assert status(WEEKDAYS, kyiv(2026, 11, 25, 11, 0), tz_name="Asia/Almaty", country="KZ").open
    # 16:30 in Kyiv is after 18:00 in Almaty: the Kyiv office is open, Almaty's is not.
    late = kyiv(2026, 11, 25, 16, 30)
    assert status(WEEKDAYS, late).open is True
    almaty = status(WEEKDAYS, late, tz_name="Asia/Almaty", country="KZ")
    assert almaty.open is False
    assert almaty.next_change == datetime(2026, 11, 26, 9, 0, tzinfo=ALMATY)


@pytest.mark.parametrize(
    "holiday",
    [
        kyiv(2026, 1, 1, 11, 0),  # New Year
        kyiv(2026, 8, 24, 11, 0),  # Independence Day (a Monday)
        kyiv(2026, 12, 25, 11, 0),  # Christmas, 25 December since 2023
    ],
)
def test_ukrainian_public_holidays_close_offices_with_ph_off(holiday):
    result = status("Mo-Su 09:00-18:00; PH off", holiday)
    assert result.open is False
    assert result.next_change == holiday.replace(hour=9) + timedelta(days=1)
    # The same day without "PH off" is an ordinary working day.
    assert status("Mo-Su 09:00-18:00", holiday).open is True


def test_an_ordinary_day_is_not_a_holiday():
    # 7 January is no longer a public holiday in Ukraine.
    assert status("Mo-Su 09:00-18:00; PH off", kyiv(2026, 1, 7, 11, 0)).open is True


def test_around_the_clock_and_past_midnight():
    assert status("24/7", kyiv(2026, 11, 25, 3, 0)).open is True
    night = status("Mo-Su 22:00-02:00", kyiv(2026, 11, 25, 23, 30))
    assert night.open is True
    assert night.next_change == kyiv(2026, 11, 26, 2, 0)


@pytest.mark.parametrize("expression", ["", None, "open sometimes", "Mo-Fr 25:00-26:00", "Mo\x00"])
def test_missing_or_invalid_hours_are_unknown_not_an_error(expression):
    result = status(expression, kyiv(2026, 11, 25, 11, 0))
    assert result.open is None
    assert result.next_change is None


def test_unknown_state_is_none():
    assert status("Mo-Fr 09:00-18:00 unknown", kyiv(2026, 11, 25, 11, 0)).open is None


def test_validate_hours_explains_what_is_wrong():
    assert validate_hours("Mo-Fr 09:00-13:00,14:00-18:00; Sa 10:00-14:00; PH off") is None
    assert validate_hours("  Mo-Fr 09:00-18:00  ") is None
    assert validate_hours("from nine to six")
    assert validate_hours("Mo-Fr 09:00-18:00\x00")
    assert validate_hours("Mo-Fr 09:00-18:00; " * 40)  # longer than 500 characters


def test_timezone_for_country_and_override():
    assert timezone_for("UA") == "Europe/Kyiv"
    assert timezone_for("md") == "Europe/Chisinau"
    assert timezone_for("KZ") == "Asia/Almaty"
    assert timezone_for("GE") == "Asia/Tbilisi"
    assert timezone_for("KZ", "Asia/Aqtobe") == "Asia/Aqtobe"
    assert timezone_for("ZZ") == DEFAULT_TIMEZONE
    assert timezone_for(None) == DEFAULT_TIMEZONE


def test_an_unknown_zone_name_falls_back_to_kyiv():
    result = status(WEEKDAYS, kyiv(2026, 11, 25, 11, 0), tz_name="Mars/Olympus")
    assert result.open is True
    assert result.next_change == kyiv(2026, 11, 25, 18, 0)


def test_an_office_in_a_country_without_a_holiday_calendar_still_works():
    result = status("Mo-Fr 09:00-18:00; PH off", kyiv(2026, 11, 25, 11, 0), country="ZZ")
    assert result.open is True


@pytest.mark.parametrize(
    ("moment", "is_open", "change"),
    [
        (kyiv(2026, 11, 25, 9, 59), False, "2026-11-25T10:00:00+02:00"),
        (kyiv(2026, 11, 25, 11, 0), True, "2026-11-25T13:00:00+02:00"),
        (kyiv(2026, 11, 25, 13, 30), False, "2026-11-25T14:00:00+02:00"),  # lunch
        (kyiv(2026, 11, 28, 15, 0), True, "2026-11-28T16:00:00+02:00"),  # Saturday too
        (kyiv(2026, 11, 25, 16, 30), False, "2026-11-26T10:00:00+02:00"),
    ],
)
def test_chat_status_follows_the_published_chat_hours(moment, is_open, change):
    result = chat_status("Mo-Su 10:00-13:00,14:00-16:00", "Europe/Kyiv", moment)
    assert result == {
        "open": is_open,
        "hours": "Mo-Su 10:00-13:00,14:00-16:00",
        "timezone": "Europe/Kyiv",
        "next_change": change,
    }
    assert datetime.fromisoformat(result["next_change"]).tzinfo is not None


def test_describe_writes_one_line_per_rule_in_the_page_language():
    lines = describe(
        "Mo-Fr 09:00-13:00,14:00-18:00; Sa 10:00-14:00",
        {**UK_DAYS, "PH": "свята"},
        UK_WORDS,
    )
    assert lines == ["пн–пт 09:00–13:00, 14:00–18:00", "сб 10:00–14:00"]


def test_describe_translates_closed_days_and_around_the_clock():
    lines = describe("Mo-Fr 09:00-18:00; PH off", {**UK_DAYS, "PH": "свята"}, UK_WORDS)
    assert lines == ["пн–пт 09:00–18:00", "свята зачинено"]
    assert describe("24/7", UK_DAYS, UK_WORDS) == ["цілодобово"]


def test_describe_shows_invalid_text_as_it_is_and_nothing_for_no_hours():
    assert describe("by appointment", UK_DAYS, UK_WORDS) == ["by appointment"]
    assert describe("", UK_DAYS, UK_WORDS) == []
    assert describe(None, UK_DAYS, UK_WORDS) == []

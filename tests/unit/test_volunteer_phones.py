"""Phone numbers typed the usual ways become E.164."""

from __future__ import annotations

import pytest

from locator.volunteers.phones import InvalidPhoneError, normalise_phone


@pytest.mark.parametrize(
    "typed",
    [
        "050 123 45 67",
        "+38 (050) 123-45-67",
        "0501234567",
        "380501234567",
        "+380501234567",
        "38 050 123 45 67",
        "8 050 123 45 67",
        "  050.123.45.67  ",
        "(050) 123 45 67",
    ],
)
def test_ukrainian_mobile_numbers_typed_the_usual_ways(typed):
    assert normalise_phone(typed) == "+380501234567"


def test_kyiv_landline():
    assert normalise_phone("044 123 45 67") == "+380441234567"


def test_foreign_numbers_with_country_code():
    assert normalise_phone("+48 601 234 567") == "+48601234567"
    assert normalise_phone("+1 202 555 0123") == "+12025550123"


def test_other_default_region():
    assert normalise_phone("601 234 567", region="PL") == "+48601234567"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "12345",
        "050 123 45",
        "abc",
        "050-ABC-4567",
        "050 123 45 67 ext 5",
        "+380 50 123 45 67 89 01",
        "<script>alert(1)</script>",
        "5" * 41,
        "0501234567; DROP TABLE volunteers",
        None,
    ],
)
def test_invalid_numbers_are_refused(typed):
    with pytest.raises(InvalidPhoneError):
        normalise_phone(typed)

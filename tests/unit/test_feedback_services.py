"""Checks behind /ask and /report-error that need no app."""

import pytest

from locator.feedback.services import (
    InvalidContact,
    classify_contact,
    clean_text,
    local_path,
    share_links,
)

SITE = "https://help.example.org"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oksana@example.org", ("email", "oksana@example.org")),
        ("  Oksana@Example.ORG ", ("email", "Oksana@example.org")),
        ("050 123 45 67", ("phone", "+380501234567")),
        ("+380 (44) 555-01-23", ("phone", "+380445550123")),
        ("+373 22 555 101", ("phone", "+37322555101")),
    ],
)
def test_contacts_are_told_apart_and_normalised(text, expected):
    assert classify_contact(text) == expected


@pytest.mark.parametrize("text", ["", "call me", "123", "a@b", "@example.org", "+1 555", "x" * 300])
def test_other_contacts_are_refused(text):
    with pytest.raises(InvalidContact):
        classify_contact(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/statements/abc", "/statements/abc"),
        ("/offices?near=Kyiv&lat=50.1&lon=30.2", "/offices?near=Kyiv"),
        ("/offices?lat=50.1&lon=30.2", "/offices"),
        ("https://help.example.org/ask?lang=en", "/ask?lang=en"),
        ("https://evil.example/ask", None),
        ("//evil.example/ask", None),
        ("javascript:alert(1)", None),
        ("statements", None),
        ("/a\\b", None),
        ("/a\x00b", None),
        ("/" + "a" * 600, None),
        ("", None),
    ],
)
def test_only_pages_of_this_site_are_accepted(raw, expected):
    assert local_path(raw, SITE) == expected


def test_control_characters_are_removed_but_lines_kept():
    assert clean_text(" a\x00b\r\nc\x1b ") == "ab\nc"


def test_share_links_encode_the_whole_address():
    links = dict(share_links("https://help.example.org/statements?a=1&b=2", "Заява & co"))
    assert links["Facebook"].endswith(
        "u=https%3A%2F%2Fhelp.example.org%2Fstatements%3Fa%3D1%26b%3D2"
    )
    assert "%D0%97%D0%B0%D1%8F%D0%B2%D0%B0%20%26%20co" in links["Telegram"]
    assert links["e-mail"].startswith("mailto:?subject=")
    assert set(links) == {"Facebook", "Telegram", "Viber", "WhatsApp", "X", "e-mail"}

"""/join, /support and /privacy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from locator.extensions import db
from locator.volunteers.models import JoinRequest
from tests.volunteers_helpers import FreshContextClient, post_form


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient  # the page language is per request
    return app.test_client()


def join_data(**overrides) -> dict:
    data = {
        "organisation": "ГО «Право на захист»",
        "city": "Одеса",
        "contact_person": "Ірина Коваль",
        "email": "Info@Example.org",
        "phone": "+38 (048) 765-43-21",
        "about": "Безоплатні консультації для переселенців.",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def requests() -> list[JoinRequest]:
    return db.session.scalars(select(JoinRequest)).all()


def test_join_application_is_stored_for_review(client):
    response = post_form(client, "/join", join_data())
    assert response.status_code == 303
    assert "отримали вашу заявку" in client.get(response.headers["Location"]).get_data(as_text=True)
    [request] = requests()
    assert request.status == "new"
    assert request.email == "info@example.org"
    assert request.phone == "+380487654321"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"organisation": ""}, "organisation"),
        ({"email": "nope"}, "email"),
        ({"phone": "123"}, "phone"),
        ({"about": "a" * 10_000}, "about"),
        ({"contact_person": "<script>x</script>"}, "contact_person"),
        ({"consent": None}, "consent"),
    ],
)
def test_join_bad_input(client, overrides, field):
    response = post_form(client, "/join", join_data(**overrides))
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert requests() == []


def test_join_honeypot_and_csrf(client):
    assert post_form(client, "/join", join_data(website_url="x")).status_code == 303
    assert client.post("/join", data=join_data()).status_code == 400
    assert requests() == []


def test_support_page_shows_bank_details_and_links_from_settings(app, client):
    app.config["SUPPORT_BANK_DETAILS"] = "IBAN UA12 3456\n<b>ГО Мережа</b>"
    app.config["SUPPORT_LINKS"] = (
        "Донат карткою|https://pay.example.org/x;;javascript:alert(1);;Звіт|http://example.org/r"
    )
    html = client.get("/support").get_data(as_text=True)
    assert "IBAN UA12 3456" in html
    assert "&lt;b&gt;ГО Мережа&lt;/b&gt;" in html
    assert 'href="https://pay.example.org/x"' in html and "Донат карткою" in html
    assert 'href="http://example.org/r"' in html
    assert "javascript:" not in html


def test_support_page_without_settings(client):
    html = client.get("/support?lang=en").get_data(as_text=True)
    assert "Donation details will be published here soon." in html


def test_privacy_notice_says_what_why_how_long_and_how_to_withdraw(client):
    html = client.get("/privacy").get_data(as_text=True)
    for words in ("Що ми зберігаємо", "Навіщо", "Як довго", "Як відкликати згоду", "30 днів"):
        assert words in html
    html = client.get("/privacy?lang=en").get_data(as_text=True)
    for words in ("What we keep", "Why", "For how long", "How to withdraw", "30 days"):
        assert words in html


def test_footer_links_to_join_support_and_privacy(client):
    html = client.get("/").get_data(as_text=True)
    for path in ("/join", "/support", "/privacy", "/volunteer"):
        assert f'href="{path}"' in html

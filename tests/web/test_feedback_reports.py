"""Error reports: POST /report-error from the dialog (JSON) or a plain form, and the
coordinators' list with its statuses."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from locator.extensions import db
from locator.feedback.models import ErrorReport
from tests.volunteers_helpers import csrf_token, sign_in

PASSWORD = "correct horse battery staple"
JSON = {"Accept": "application/json"}


def csrf(client, url: str = "/statements") -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def report(client, headers=None, **fields):
    data = {
        "url": "/statements?page=1",
        "selection": "Алмати",
        "context": "Партнери мережі працюють в Алмати.",
        "comment": "Місто написано неправильно.",
        "csrf_token": csrf(client),
    }
    data.update(fields)
    return client.post("/report-error?lang=en", data=data, headers=headers or {})


def reports() -> list[ErrorReport]:
    return list(db.session.scalars(select(ErrorReport).order_by(ErrorReport.id)))


def test_the_dialog_posts_with_fetch_and_gets_json(client):
    response = report(client, headers=JSON)

    assert response.status_code == 201
    assert response.json == {
        "ok": True,
        "message": "Thank you! The network's editors will check it.",
    }
    [saved] = reports()
    assert (saved.url, saved.selection, saved.status) == ("/statements?page=1", "Алмати", "new")
    assert saved.context == "Партнери мережі працюють в Алмати."


def test_a_plain_form_post_returns_to_the_page_with_a_thank_you(client):
    response = report(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/statements?page=1"
    page = client.get("/statements?page=1&lang=en").get_data(as_text=True)
    assert "Thank you! The network" in page


def test_the_visitors_position_is_not_stored_with_the_page_address(client):
    report(client, url="/offices?lat=50.45&lon=30.52&category=housing", headers=JSON)
    assert reports()[0].url == "/offices?category=housing"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"selection": "x" * 1001}, "longer than 1000 characters"),
        ({"context": "x" * 2001}, "longer than 2000 characters"),
        ({"comment": "x" * 2001}, "longer than 2000 characters"),
        ({"url": "https://evil.example/page"}, "must be a page of this site"),
        ({"url": "//evil.example/page"}, "must be a page of this site"),
        ({"url": "javascript:alert(1)"}, "must be a page of this site"),
        ({"url": ""}, "This field is required."),
        ({"selection": "", "comment": ""}, "Select the wrong text or describe the error."),
        ({"office_slug": "no-such-office"}, "We do not know this office."),
    ],
)
def test_bad_reports_are_refused_with_a_message(client, fields, message):
    as_json = report(client, headers=JSON, **fields)
    assert as_json.status_code == 400
    assert message in as_json.json["error"]["message"]

    as_form = report(client, **fields)
    assert as_form.status_code == 400
    assert message in as_form.get_data(as_text=True)
    assert reports() == []


def test_an_absolute_address_on_this_site_is_accepted(client):
    report(client, url="http://localhost/statements/abc", headers=JSON)
    assert reports()[0].url == "/statements/abc"


def test_a_report_without_the_csrf_token_is_refused(client):
    response = report(client, headers=JSON, csrf_token="")
    assert response.status_code == 400
    assert reports() == []


def test_the_no_javascript_page_has_the_same_form(client):
    html = client.get("/report-error?url=/statements/abc&lang=en").get_data(as_text=True)
    assert 'name="url" type="hidden" value="/statements/abc"' in html
    assert "The text with the error" in html and "At most 1000 characters." in html
    outside = client.get("/report-error?url=https://evil.example/").get_data(as_text=True)
    assert 'value="https://evil.example/"' not in outside


def test_every_page_has_the_report_dialog_and_link(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<dialog class="report-dialog" id="report-error-dialog"' in html
    assert 'aria-labelledby="report-error-title"' in html
    assert "Select the text and press Ctrl+Enter." in html
    assert 'href="/report-error?url=/%3Flang%3Den"' in html
    assert re.search(r"/static/[0-9a-f]{12}/js/report-error\.js", html)


def test_an_office_page_offers_to_report_wrong_information(client, make_office):
    make_office(slug="lviv-room", name="Lviv Room", city="Львів", lat=49.84, lon=24.03)

    html = client.get("/offices/lviv-room?lang=en").get_data(as_text=True)
    assert "Report wrong information about this office" in html
    assert 'name="office_slug" value="lviv-room"' in html

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        "/report-error",
        data={
            "url": "/offices/lviv-room",
            "office_slug": "lviv-room",
            "selection": "Lviv Room",
            "field": "phone",
            "comment": "The number has changed.",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/offices/lviv-room"
    [saved] = reports()
    assert (saved.office_slug, saved.field, saved.comment) == (
        "lviv-room",
        "phone",
        "The number has changed.",
    )


def test_coordinators_see_reports_as_text_and_move_them_through_their_statuses(client):
    report(client, selection="<img src=x onerror=alert(1)>", comment="<script>x()</script>",
           headers=JSON)  # fmt: skip
    [saved] = reports()

    assert client.get("/admin/reports").status_code == 302
    sign_in(client)
    html = client.get("/admin/reports?lang=en").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "new (1)" in html

    token = csrf(client, "/admin/reports")
    for status in ("in_progress", "fixed", "rejected", "new"):
        response = client.post(
            f"/admin/reports/{saved.id}/status", data={"status": status, "csrf_token": token}
        )
        assert response.status_code == 302
        db.session.refresh(saved)
        assert saved.status == status
    assert (
        client.post(
            f"/admin/reports/{saved.id}/status", data={"status": "lost", "csrf_token": token}
        ).status_code
        == 400
    )
    client.post(f"/admin/reports/{saved.id}/status", data={"status": "fixed", "csrf_token": token})
    fixed = client.get("/admin/reports?status=fixed&lang=en").get_data(as_text=True)
    assert f'id="report-{saved.id}"' in fixed
    waiting = client.get("/admin/reports?status=new&lang=en").get_data(as_text=True)
    assert f'id="report-{saved.id}"' not in waiting


def test_reports_about_an_office_can_be_listed_for_that_office(client, make_office):
    make_office(slug="lviv-room")
    report(client, office_slug="lviv-room", field="address", headers=JSON)
    report(client, headers=JSON)
    sign_in(client)

    html = client.get("/admin/reports?office=lviv-room&lang=en").get_data(as_text=True)
    assert html.count('<tr id="report-') == 1
    assert "field: address" in html

"""Numbers no table or page can hold answer 404 or 400 with our own page, never a 500;
and so does a NUL byte in a list's filter (PostgreSQL refuses it in text).

`?page=10**22` used to overflow the OFFSET, `/admin/offices/10**20` SQLite's integers,
`"²".isdigit()` is true although `int("²")` fails, and Python refuses to read a JSON integer
of more than 4,300 digits."""

from __future__ import annotations

import html
import io
import json

import pytest

from tests.volunteers_helpers import csrf_token

HUGE = "9" * 23
LISTS = ("offices", "questions", "reports", "statements", "volunteers", "join-requests")
ITEM_POSTS = (
    "/admin/offices/{id}",
    "/admin/offices/{id}/deactivate",
    "/admin/offices/{id}/activate",
    "/admin/statements/{id}",
    "/admin/statements/{id}/delete",
    "/admin/questions/{id}/answered",
    "/admin/questions/{id}/delete",
    "/admin/reports/{id}/status",
    "/admin/volunteers/{id}/status",
    "/admin/volunteers/{id}/delete",
    "/admin/join-requests/{id}/status",
    "/admin/join-requests/{id}/delete",
)


@pytest.mark.parametrize("name", LISTS)
def test_a_page_number_that_is_no_page_is_not_found(coordinator, name):
    for page in (HUGE, "9" * 5000, "²", "0", "-1", "1.5", "abc", "10001"):
        response = coordinator.get(f"/admin/{name}?page={page}")
        assert response.status_code == 404, page
        assert "Ми не змогли знайти цю сторінку." in html.unescape(response.get_data(as_text=True))
    for page in ("", "1", "2", "10000"):
        assert coordinator.get(f"/admin/{name}?page={page}").status_code == 200


@pytest.mark.parametrize("number", [HUGE, str(2**31), str(2**63), "9" * 5000])
def test_an_id_no_table_can_hold_is_not_found(coordinator, number):
    for url in ("/admin/offices/{id}", "/admin/statements/{id}"):
        assert coordinator.get(url.format(id=number)).status_code == 404
    token = csrf_token(coordinator.get("/admin/offices/new").get_data(as_text=True))
    for url in ITEM_POSTS:
        response = coordinator.post(url.format(id=number), data={"csrf_token": token})
        assert response.status_code == 404, url


def test_the_largest_id_is_simply_missing(coordinator):
    for url in ("/admin/offices/{id}", "/admin/statements/{id}"):
        assert coordinator.get(url.format(id=2**31 - 1)).status_code == 404
    assert coordinator.get("/admin/volunteers?office=" + HUGE).status_code == 200
    assert coordinator.get("/admin/volunteers?office=²").status_code == 200


@pytest.mark.parametrize("limit", ["²", "٣", HUGE, "9" * 5000])
def test_a_limit_that_is_no_whole_number_is_a_bad_request(client, limit):
    api = client.get(f"/api/v1/offices/nearest?near=Київ&limit={limit}")
    assert api.status_code == 400
    assert api.get_json()["error"]["code"] == "out_of_range"
    for url in ("/offices?near=Київ&limit=", "/map?limit=", "/embed/map?limit="):
        page = client.get(url + limit)
        assert page.status_code == 400
        assert "«limit» має бути цілим числом" in html.unescape(page.get_data(as_text=True))


@pytest.mark.parametrize("page", ["²", HUGE, "0"])
def test_a_statements_page_that_is_no_page_is_not_found(client, page):
    assert client.get(f"/statements?page={page}").status_code == 404


def _upload(client, data: bytes, fmt: str) -> str:
    page = client.get("/admin/offices/import").get_data(as_text=True)
    response = client.post(
        "/admin/offices/import",
        data={"file": (io.BytesIO(data), f"offices.{fmt}"), "format": fmt},
        headers={"X-CSRFToken": csrf_token(page)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("digits", [5000, 400])
def test_a_geojson_number_too_long_for_any_value_is_reported(coordinator, digits):
    office = {"slug": "a", "name": "A", "city": "Київ", "country": "UA", "lon": 30.5}
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": None, "properties": office}],
        },
        indent=1,
    ).replace('"lon"', f'"lat": {"9" * digits},\n  "lon"')
    page = _upload(coordinator, text.encode(), "geojson")
    assert "Нічого не імпортовано." in page
    assert f"У файлі є надто довге число (цифр: {digits})" in page
    assert "Рядок 12:" in page


def test_a_hsds_number_too_long_is_reported(coordinator):
    page = _upload(coordinator, b'{"total_items": ' + b"1" * 5000 + b"}", "hsds")
    assert "Нічого не імпортовано." in page and "У файлі є надто довге число (цифр: 5000)" in page


def test_a_nul_byte_in_a_list_filter_is_a_bad_request(coordinator):
    for url in (
        "/admin/offices?q=a%00b",
        "/admin/offices?city=%00",
        "/admin/reports?office=%00",
        "/admin/volunteers?city=%00",
        "/admin/join-requests?city=%00",
    ):
        response = coordinator.get(url)
        assert response.status_code == 400, url
        assert "Ми не змогли зрозуміти запит" in html.unescape(response.get_data(as_text=True))

"""Coordinators keep the office list right from /admin/offices: what they see and what it does."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import select

from locator.extensions import db
from locator.models import Office
from tests.office_samples import FORMULAS, TRICKY
from tests.volunteers_helpers import ADMIN_EMAIL, csrf_token


def form_data(**changes) -> dict:
    data = {
        "slug": "lviv-center",
        "name": "Правова приймальня «Центр»",
        "organization": "ГО «Право»",
        "address": "вул. Городоцька, 1",
        "city": "Львів",
        "region": "",
        "postcode": "79000",
        "country": "UA",
        "lat": "49.8383",
        "lon": "24.0122",
        "phone": "032 255 01 23",
        "email": "lviv@example.org",
        "website": "https://example.org/lviv",
        "opening_hours": "Mo-Fr 09:00-13:00,14:00-18:00; PH off",
        "languages": "uk;en",
        "categories": ["family", "housing"],
        "accessibility": ["wheelchair"],
        "description": "Консультації",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post_form(client, url: str, **changes):
    page = client.get(url).get_data(as_text=True)
    return client.post(
        url, data={**form_data(**changes), "csrf_token": csrf_token(page)}, follow_redirects=True
    )


def stored(slug: str) -> Office:
    db.session.expire_all()
    return db.session.scalar(select(Office).where(Office.slug == slug))


def test_strangers_are_sent_to_sign_in(client, app):
    for url in (
        "/admin/offices",
        "/admin/offices/new",
        "/admin/offices/import",
        "/admin/offices/export",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login" in response.location


def test_create_an_office_and_see_its_hours_in_words(coordinator):
    response = post_form(coordinator, "/admin/offices/new")
    page = html.unescape(response.get_data(as_text=True))
    assert "Приймальню збережено." in page
    office = stored("lviv-center")
    assert (office.lat, office.lon, office.pinned) == (49.8383, 24.0122, True)
    assert office.updated_by == ADMIN_EMAIL
    assert office.categories == "family;housing"
    assert "Відвідувачі бачать ці години так:" in page
    assert "пн–пт 09:00–13:00, 14:00–18:00" in page


def test_every_bad_field_is_explained_in_ukrainian_and_nothing_is_saved(coordinator):
    response = post_form(
        coordinator,
        "/admin/offices/new",
        phone="12",
        email="lviv@",
        website="ftp://example.org",
        opening_hours="Пн-Пт 9-18",
        lat="95",
        country="ZZ",
        slug="Lviv Center",
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert stored("Lviv Center") is None and stored("lviv-center") is None
    for message in (
        "Це не коректна адреса ел. пошти.",
        "Широта має бути від -90 до 90.",
        "Вкажіть повну вебадресу, що починається з http:// або https://.",
        "Години роботи не у форматі OpenStreetMap",
        "Невідомий код країни «ZZ»",
        "Використовуйте лише малі латинські літери",
    ):
        assert message in page
    assert "This is not" not in page  # nothing left in English


def test_html_in_a_name_is_shown_as_text(coordinator):
    post_form(coordinator, "/admin/offices/new", name="<script>alert(1)</script>")
    office = stored("lviv-center")
    page = coordinator.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_editing_the_address_re_geocodes_unless_pinned(coordinator):
    post_form(coordinator, "/admin/offices/new", lat="", lon="", city="Львів")
    office = stored("lviv-center")
    assert office.pinned is False and round(office.lat, 1) == 49.8  # the city, from the gazetteer
    # Moving it to Odesa (coordinates shown in the form are the old ones): re-geocoded.
    post_form(
        coordinator,
        f"/admin/offices/{office.id}",
        city="Одеса",
        address="вул. Дерибасівська, 1",
        lat=repr(office.lat),
        lon=repr(office.lon),
    )
    moved = stored("lviv-center")
    assert round(moved.lat) == 46 and moved.pinned is False
    # Pinned by hand: a new address keeps the coordinates.
    post_form(
        coordinator,
        f"/admin/offices/{office.id}",
        city="Київ",
        address="вул. Хрещатик, 1",
        lat="46.5",
        lon="30.7",
    )
    assert stored("lviv-center").pinned is True
    post_form(
        coordinator,
        f"/admin/offices/{office.id}",
        city="Харків",
        address="вул. Сумська, 45",
        lat="46.5",
        lon="30.7",
        pinned="y",
    )
    kept = stored("lviv-center")
    assert (kept.city, kept.lat, kept.lon) == ("Харків", 46.5, 30.7)


def test_a_taken_slug_is_refused(coordinator):
    post_form(coordinator, "/admin/offices/new")
    response = post_form(coordinator, "/admin/offices/new", name="Інший")
    assert "Цей ідентифікатор уже має інша приймальня." in html.unescape(
        response.get_data(as_text=True)
    )


def test_deactivate_hides_the_office_from_the_public_and_keeps_it_here(coordinator, client):
    post_form(coordinator, "/admin/offices/new")
    office = stored("lviv-center")
    page = coordinator.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    response = coordinator.post(
        f"/admin/offices/{office.id}/deactivate",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "Приймальню вимкнено" in response.get_data(as_text=True)
    assert stored("lviv-center").active is False
    assert coordinator.get("/offices/lviv-center").status_code == 404
    assert coordinator.get("/api/v1/offices/lviv-center").status_code == 404
    listing = coordinator.get("/admin/offices?status=inactive").get_data(as_text=True)
    assert "Правова приймальня «Центр»" in listing
    assert "Правова приймальня «Центр»" not in coordinator.get("/admin/offices").get_data(
        as_text=True
    )
    page = coordinator.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    coordinator.post(f"/admin/offices/{office.id}/activate", data={"csrf_token": csrf_token(page)})
    assert stored("lviv-center").active is True


def test_deactivate_without_csrf_token_is_refused(coordinator):
    post_form(coordinator, "/admin/offices/new")
    office = stored("lviv-center")
    response = coordinator.post(f"/admin/offices/{office.id}/deactivate")
    assert response.status_code == 400
    assert stored("lviv-center").active is True


def test_list_search_and_filters(coordinator, make_office):
    make_office(name="Приймальня на Подолі", city="Київ", categories="family")
    make_office(name="Одеський офіс", city="Одеса", categories="housing")
    page = coordinator.get("/admin/offices?q=подолі").get_data(as_text=True)
    assert "Приймальня на Подолі" in page and "Одеський офіс" not in page
    page = coordinator.get("/admin/offices?city=Одеса").get_data(as_text=True)
    assert "Одеський офіс" in page and "Приймальня на Подолі" not in page
    page = coordinator.get("/admin/offices?category=family").get_data(as_text=True)
    assert "Приймальня на Подолі" in page and "Одеський офіс" not in page
    page = coordinator.get("/admin/offices?q=%25_").get_data(
        as_text=True
    )  # LIKE wildcards are text
    assert "Приймальня на Подолі" not in page


def upload(client, data: bytes, fmt: str = "csv", name: str = "offices.csv", **extra):
    page = client.get("/admin/offices/import").get_data(as_text=True)
    return client.post(
        "/admin/offices/import",
        data={
            "file": (io.BytesIO(data), name),
            "format": fmt,
            "csrf_token": csrf_token(page),
            **extra,
        },
        content_type="multipart/form-data",
    )


def csv_of(*offices) -> bytes:
    from locator.offices.csvio import write_csv

    out = io.StringIO()
    write_csv(offices, out)
    return out.getvalue().encode()


def test_upload_shows_the_report_with_lines_and_loads_the_good_rows(coordinator):
    data = csv_of(*TRICKY) + b"bad-row,X,,,Kyiv,,,UA,95,30,,,,,,,,,,,\n"
    page = html.unescape(upload(coordinator, data).get_data(as_text=True))
    assert "Створено: 5, оновлено: 0, без змін: 0, з помилками: 1." in page
    assert "рядок 6" in page and "Широта має бути від -90 до 90." in page
    assert stored("tricky-1").updated_by == ADMIN_EMAIL


def test_upload_dry_run_changes_nothing(coordinator):
    page = upload(coordinator, csv_of(*TRICKY), dry_run="y").get_data(as_text=True)
    assert "Лише перевірка, нічого не змінено." in page
    assert stored("tricky-1") is None


def test_upload_of_a_broken_file_says_why(coordinator):
    page = html.unescape(
        upload(coordinator, "slug,name,city,country\nк,Київ,Київ,UA\n".encode("cp1251")).get_data(
            as_text=True
        )
    )
    assert "Нічого не імпортовано." in page and "Рядок 2:" in page and "cp1251" in page


def test_upload_too_large_is_refused(coordinator, monkeypatch):
    monkeypatch.setattr("locator.offices.admin.UPLOAD_LIMIT", 100)
    page = upload(coordinator, csv_of(*TRICKY)).get_data(as_text=True)
    assert "Файл більший за" in page
    assert stored("tricky-1") is None


def test_export_downloads_each_format(coordinator):
    upload(coordinator, csv_of(*TRICKY))
    for fmt, media_type in (
        ("csv", "text/csv"),
        ("geojson", "application/geo+json"),
        ("hsds", "application/json"),
    ):
        response = coordinator.get(f"/admin/offices/export?format={fmt}")
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert "attachment" in response.headers["Content-Disposition"]
    again = upload(coordinator, coordinator.get("/admin/offices/export?format=csv").data)
    assert "Створено: 0, оновлено: 0, без змін: 5, з помилками: 0." in again.get_data(as_text=True)


def test_the_csv_download_opens_safely_in_a_spreadsheet_and_uploads_back_unchanged(coordinator):
    upload(coordinator, csv_of(*FORMULAS))
    first = coordinator.get("/admin/offices/export?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK(" in first and ",'+380 44 555 01 23," in first
    again = upload(coordinator, first.encode())
    assert "Створено: 0, оновлено: 0, без змін: 2, з помилками: 0." in again.get_data(as_text=True)
    assert stored("formulas").phone == "+380 44 555 01 23"
    assert coordinator.get("/admin/offices/export?format=csv").get_data(as_text=True) == first


def test_reports_of_wrong_information_show_on_the_office_page(coordinator):
    post_form(coordinator, "/admin/offices/new")
    office = stored("lviv-center")
    page = coordinator.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    assert "Повідомлення про помилки в даних" in page
    assert "Повідомлень про цю приймальню немає." in page

    from locator.feedback import services

    services.create_report(
        db.session, url="/offices/lviv-center", selection="032 255 01 23", context="",
        comment="Номер <b>не відповідає</b>", lang="uk", office_slug="lviv-center", field="phone",
    )  # fmt: skip
    services.create_report(
        db.session, url="/offices/lviv-center?lang=en", selection="Mo-Fr", context="",
        comment="Hours changed", lang="en",
    )  # fmt: skip
    services.create_report(
        db.session,
        url="/offices/other",
        selection="x",
        context="",
        comment="Not this one",
        lang="uk",
    )
    db.session.commit()
    page = coordinator.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    assert "032 255 01 23" in page and "Hours changed" in page and "Not this one" not in page
    assert "Номер &lt;b&gt;не відповідає&lt;/b&gt;" in page
    assert "/admin/reports?office=lviv-center" in page


def test_a_remote_office_is_saved_with_its_areas_and_no_coordinates(coordinator, client):
    response = post_form(
        coordinator,
        "/admin/offices/new",
        slug="crimea-phone",
        name="Телефонна приймальня для Криму",
        kind="remote",
        serves="ua-43; UA-40",
        address="",
        lat="",
        lon="",
    )
    assert "Приймальню збережено." in html.unescape(response.get_data(as_text=True))
    office = stored("crimea-phone")
    assert (office.kind, office.serves, office.lat, office.lon) == (
        "remote",
        "UA-43;UA-40",
        None,
        None,
    )
    body = client.get("/api/v1/offices/nearest?near=Сімферополь").get_json()
    assert [o["slug"] for o in body["remote"]] == ["crimea-phone"]
    edit = coordinator.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    assert 'value="UA-43;UA-40"' in edit
    assert re.search(r'<option selected value="remote">|<option value="remote" selected', edit)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "remote", "serves": ""}, "Дистанційна допомога має обслуговувати хоча б одну"),
        ({"kind": "remote", "serves": "UA-99;Крим"}, "Невідомі території: UA-99, КРИМ"),
        ({"kind": "room", "address": ""}, "Консультаційна приймальня потребує адреси"),
        ({"kind": "hotline"}, "Напишіть room"),
    ],
)
def test_kind_and_areas_are_checked_in_ukrainian(coordinator, changes, message):
    response = post_form(coordinator, "/admin/offices/new", **changes)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert stored("lviv-center") is None
    assert message in page

"""Remote help (issue 12 §5, SPEC: office `kind` and `serves`, nearest `remote`): the search
ranks rooms one can walk into; hotlines, online and phone receptions are offered by the areas
they serve, first where no room is near and in the occupied areas. On the seed data, through
the API and the pages, on SQLite and (LOCATOR_TEST_DB=postgresql) PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from locator.extensions import db
from locator.models import Office
from locator.volunteers.views import locate_city

REMOTE = {
    "kyiv-crimea-online",
    "kyiv-hotline-24",
    "dnipro-luhansk-online",
    "kherson-phone-legal-aid",
}


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output


def nearest(client, near: str, **params) -> dict:
    response = client.get("/api/v1/offices/nearest", query_string={"near": near, **params})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def slugs(offices) -> list[str]:
    return [o["slug"] for o in offices]


def test_kyiv_gets_rooms_with_addresses_and_the_national_hotline_as_remote(client, seeded):
    body = nearest(client, "Київ", limit=10)
    assert (body["origin"]["country"], body["origin"]["region_code"]) == ("UA", "UA-30")
    results = [hit["office"] for hit in body["results"]]
    assert len(results) == 10
    assert all(o["kind"] == "room" and o["address"] and o["lat"] is not None for o in results)
    assert not set(slugs(results)) & REMOTE
    assert results[0]["slug"] == "kyiv-podil-legal-aid"
    # Kyiv has no help of its own: the one for the whole country; not Crimea's
    assert slugs(body["remote"]) == ["kyiv-hotline-24"]
    hotline = body["remote"][0]
    assert hotline["kind"] == "remote" and hotline["serves"] == ["UA"]
    assert "distance_km" not in hotline and hotline["lat"] is None


@pytest.mark.parametrize("near", ["Севастополь", "Sevastopol", "Сімферополь", "Ялта"])
def test_crimea_and_sevastopol_get_the_crimea_online_reception_first(client, seeded, near):
    body = nearest(client, near)
    assert body["origin"]["region_code"] in {"UA-43", "UA-40"}
    assert slugs(body["remote"]) == ["kyiv-crimea-online", "kyiv-hotline-24"]
    assert body["remote"][0]["serves"] == ["UA-43", "UA-40"]
    # rooms only, however far: no phone reception for another oblast among them
    assert all(hit["office"]["kind"] == "room" for hit in body["results"])
    assert "kherson-phone-legal-aid" not in slugs(hit["office"] for hit in body["results"])


@pytest.mark.parametrize("near", ["Луганськ", "Сєвєродонецьк", "Старобільськ"])
def test_luhansk_oblast_gets_its_online_reception_then_the_hotline(client, seeded, near):
    body = nearest(client, near)
    assert body["origin"]["region_code"] == "UA-09"
    assert slugs(body["remote"]) == ["dnipro-luhansk-online", "kyiv-hotline-24"]


def test_abroad_no_ukrainian_remote_help(client, seeded):
    body = nearest(client, "Tbilisi")
    assert body["origin"]["country"] == "GE"
    assert body["remote"] == []
    assert body["results"][0]["office"]["slug"] == "tbilisi-legal-aid"


def test_coordinates_carry_the_area_too(client, seeded):
    body = client.get("/api/v1/offices/nearest?lat=44.6166&lon=33.5254").get_json()  # Sevastopol
    assert body["origin"]["region_code"] == "UA-40"
    assert slugs(body["remote"])[0] == "kyiv-crimea-online"


def test_an_inactive_remote_office_is_not_offered(client, seeded):
    office = db.session.scalar(select(Office).where(Office.slug == "kyiv-crimea-online"))
    office.active = False
    db.session.commit()
    assert slugs(nearest(client, "Севастополь")["remote"]) == ["kyiv-hotline-24"]


def section_order(html: str) -> list[str]:
    """Which comes first on the page: the remote help or the list of rooms."""
    marks = {"remote": html.find("data-remote-help"), "rooms": html.find("data-office-list")}
    return [name for name, at in sorted(marks.items(), key=lambda m: m[1]) if at >= 0]


def test_results_page_in_kyiv_lists_rooms_then_remote_help(client, seeded):
    html = client.get("/offices?near=Київ").get_data(as_text=True)
    assert section_order(html) == ["rooms", "remote"]
    assert "Дистанційна допомога" in html and "Цілодобова правова гаряча лінія" in html
    assert "Онлайн-приймальня для мешканців Криму" not in html


def test_results_page_in_sevastopol_puts_the_crimea_reception_before_any_room(client, seeded):
    html = client.get("/offices?near=Севастополь").get_data(as_text=True)
    assert section_order(html) == ["remote", "rooms"]
    remote_part = html[html.find("data-remote-help") : html.find("data-office-list")]
    assert "Онлайн-приймальня для мешканців Криму" in remote_part
    assert "Автономна Республіка Крим, Севастополь" in remote_part  # the areas it serves


def test_no_room_within_remote_first_km_puts_remote_help_first(app, client, seeded):
    # Kherson: the nearest room (Mykolaiv) is ~60 km away, more than REMOTE_FIRST_KM (50)
    html = client.get("/offices?near=Херсон").get_data(as_text=True)
    assert section_order(html) == ["remote", "rooms"]
    assert "Телефонна приймальня для Херсонщини" in html
    app.config["REMOTE_FIRST_KM"] = 100.0
    html = client.get("/offices?near=Херсон").get_data(as_text=True)
    assert section_order(html) == ["rooms", "remote"]


def test_occupied_areas_setting_puts_remote_help_first(app, client, seeded):
    app.config["OCCUPIED_AREAS"] = "UA-43, UA-40, UA-30"
    html = client.get("/offices?near=Київ").get_data(as_text=True)
    assert section_order(html) == ["remote", "rooms"]


def test_english_page_names_the_area_in_english(client, seeded):
    html = client.get("/offices?near=Sevastopol&lang=en").get_data(as_text=True)
    assert "Remote help for Sevastopol" in html
    assert re.search(r"For: Autonomous Republic of Crimea, Sevastopol", html)


def test_a_volunteer_in_kyiv_is_matched_to_a_room(app, seeded):
    with app.test_request_context():
        located = locate_city("Київ")
    office = db.session.get(Office, located.office_id)
    assert office.kind == "room" and office.address
    assert office.slug not in REMOTE

"""Coordinators write statements and correct the places found in them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from locator.extensions import db
from locator.statements.models import Statement
from tests.volunteers_helpers import csrf_token


def csrf(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def form(client, url: str, **fields) -> dict:
    data = {
        "title": "Допомога в Одесі",
        "slug": "",
        "published": "2024-06-01",
        "lang": "uk",
        "body_md": "Приймальня в Одесі працює щодня.\n\n<script>alert(1)</script>",
        "source_url": "",
        "tags": "демо, житло",
        "places": "",
        "csrf_token": csrf(client, url),
    }
    data.update(fields)
    return data


def test_strangers_cannot_reach_the_statement_admin(client):
    response = client.get("/admin/statements")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_coordinator_writes_a_statement_and_its_places_are_found(coordinator):
    client = coordinator
    response = client.post("/admin/statements/new", data=form(client, "/admin/statements/new"))

    assert response.status_code == 302
    statement = db.session.scalar(select(Statement))
    assert statement.slug == "dopomoha-v-odesi"
    assert statement.tags == ["демо", "житло"]
    assert statement.published == date(2024, 6, 1)
    assert [p["label"] for p in statement.places] == ["Одеса, Україна"]
    assert not statement.places_manual
    assert "<script" not in statement.body_html and "alert(1)" not in statement.body_html
    listing = client.get("/admin/statements?lang=en").get_data(as_text=True)
    assert "Допомога в Одесі" in listing


def test_a_coordinator_corrects_the_detected_places(coordinator):
    client = coordinator
    client.post("/admin/statements/new", data=form(client, "/admin/statements/new"))
    statement = db.session.scalar(select(Statement))
    edit_url = f"/admin/statements/{statement.id}"
    assert "Одеса, Україна | 46.4" in client.get(edit_url).get_data(as_text=True)

    response = client.post(
        edit_url, data=form(client, edit_url, places="Миколаїв\nСело Тестове | 46.1, 31.2")
    )

    assert response.status_code == 302
    db.session.refresh(statement)
    assert [p["label"] for p in statement.places] == ["Миколаїв", "Село Тестове"]
    assert statement.places[1]["lat"] == 46.1
    assert statement.places_manual
    page = client.get(f"/statements/{statement.slug}?lang=en").get_data(as_text=True)
    assert "Село Тестове" in page and "Help near the places in this statement" in page


def test_an_unknown_place_is_refused_with_its_name(coordinator):
    client = coordinator
    client.post("/admin/statements/new", data=form(client, "/admin/statements/new"))
    statement = db.session.scalar(select(Statement))
    edit_url = f"/admin/statements/{statement.id}?lang=en"

    response = client.post(edit_url, data=form(client, edit_url, places="Нідекуди Зовсім"))

    assert response.status_code == 200
    assert "We could not place: Нідекуди Зовсім." in response.get_data(as_text=True)
    db.session.refresh(statement)
    assert [p["label"] for p in statement.places] == ["Одеса, Україна"]


def test_reimport_keeps_places_a_coordinator_corrected(coordinator, runner, tmp_path):
    client = coordinator
    source = tmp_path / "odesa.md"
    source.write_text(
        "---\ntitle: Help in Odesa\ndate: 2024-05-01\nlang: en\nslug: odesa\n---\n"
        "Offices in Odesa.\n",
        "utf-8",
    )
    runner.invoke(args=["statements", "import", str(source)])
    statement = db.session.scalar(select(Statement))
    edit_url = f"/admin/statements/{statement.id}"
    client.post(
        edit_url,
        data=form(
            client,
            edit_url,
            title="Help in Odesa",
            slug="odesa",
            lang="en",
            body_md="Offices in Odesa.",
            places="Ізмаїл",
        ),
    )
    runner.invoke(args=["statements", "import", str(source)])

    db.session.refresh(statement)
    assert [p["label"] for p in statement.places] == ["Ізмаїл"]


def test_two_statements_cannot_share_an_address(coordinator):
    client = coordinator
    client.post("/admin/statements/new", data=form(client, "/admin/statements/new"))
    response = client.post(
        "/admin/statements/new?lang=en", data=form(client, "/admin/statements/new?lang=en")
    )
    assert response.status_code == 200
    assert "Another statement already has this address." in response.get_data(as_text=True)


def test_a_coordinator_deletes_a_statement(coordinator):
    client = coordinator
    client.post("/admin/statements/new", data=form(client, "/admin/statements/new"))
    statement = db.session.scalar(select(Statement))
    url = f"/admin/statements/{statement.id}/delete"

    assert client.post(url).status_code == 400  # no CSRF token
    client.post(url, data={"csrf_token": csrf(client, "/admin/statements")})
    assert db.session.scalar(select(Statement)) is None

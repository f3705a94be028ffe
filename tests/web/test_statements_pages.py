"""Statements: import, pages, the help near the places they name, the Atom feed."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from sqlalchemy import func, select

from locator.extensions import db
from locator.statements.models import Statement

DATA = Path(__file__).resolve().parents[1] / "data" / "statements"
ATOM = "{http://www.w3.org/2005/Atom}"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def statement_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Statement))


def import_(runner, path) -> object:
    return runner.invoke(args=["statements", "import", str(path)])


# --- import ---------------------------------------------------------------------------------


def test_importing_a_site_page_gives_a_statement_page_without_the_site_chrome(runner, client):
    result = import_(runner, DATA / "page_uk.txt")
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output

    statement = db.session.scalar(select(Statement))
    response = client.get(f"/statements/{statement.slug}?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    article = html[html.index("<article") : html.index("</article>")]
    assert "Заява Мережі правової допомоги щодо доступу до безоплатної допомоги" in article
    assert 'datetime="2023-03-03"' in article
    assert "забезпечити роботу приймалень у кожному районі міста" in article
    for chrome in ["Ctrl+Enter", "Поділитися", "Станьте волонтером", "Chat hours", "Головна"]:
        assert chrome not in article
    # The text that looked like HTML is shown as text, not run.
    assert "&lt;script&gt;" in article and "<script>alert" not in html


def test_reimporting_updates_the_statement_instead_of_duplicating_it(runner, tmp_path):
    page = tmp_path / "page.txt"
    text = (DATA / "page_uk.txt").read_text("utf-8")
    page.write_text(text, "utf-8")
    assert import_(runner, page).exit_code == 0

    again = import_(runner, page)
    assert "0 created, 0 updated, 1 unchanged" in again.output

    page.write_text(text.replace("Правління Мережі", "Правління Мережі (оновлено)"), "utf-8")
    changed = import_(runner, page)
    assert "0 created, 1 updated" in changed.output
    assert statement_count() == 1
    assert "(оновлено)" in db.session.scalar(select(Statement)).body_html


def test_a_folder_with_a_bad_file_reports_it_and_imports_the_rest(runner, tmp_path):
    (tmp_path / "good.md").write_text(
        "---\ntitle: Help in Odesa\ndate: 2024-05-01\nlang: en\n---\nOffices in Odesa.\n", "utf-8"
    )
    (tmp_path / "no-date.md").write_text("---\ntitle: No date here\n---\nText.\n", "utf-8")

    result = import_(runner, tmp_path)

    assert result.exit_code == 1
    assert f"{tmp_path / 'no-date.md'}: the front matter has no 'date'" in result.output
    assert "1 created" in result.output
    assert db.session.scalar(select(Statement.title)) == "Help in Odesa"


def test_a_missing_path_is_a_clear_error(runner, tmp_path):
    result = import_(runner, tmp_path / "nope.md")
    assert result.exit_code != 0
    assert "nope.md" in result.output and "does not exist" in result.output


def test_seed_loads_the_demo_statements_once(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    count = statement_count()
    assert count >= 3
    second = runner.invoke(args=["seed"])
    assert "Statements: 0 created, 0 updated" in second.output
    assert statement_count() == count


# --- the real seed page and the help near its places ---------------------------------------


def test_an_english_page_links_to_help_near_the_places_it_names(runner, client, make_office):
    """The real page's form (tests/data/statements/page_en.txt), on any clone."""
    make_office(
        slug="almaty-room",
        name="Almaty Legal Aid Room",
        city="Almaty",
        country="KZ",
        lat=43.2389,
        lon=76.8897,
        opening_hours="Mo-Fr 09:00-18:00",
        timezone="Asia/Almaty",
    )
    result = import_(runner, DATA / "page_en.txt")
    assert result.exit_code == 0, result.output

    statement = db.session.scalar(select(Statement))
    assert "Almaty, Kazakhstan" in statement.place_labels
    html = client.get(f"/statements/{statement.slug}?lang=en").get_data(as_text=True)
    body = html[html.index("<article") : html.index("</article>")]
    assert 'datetime="2023-03-14"' in body
    assert "Open a consulting room for displaced people in Almaty." in body
    assert "facebook" not in body and "ctrl-enter" not in body
    block = text_of(html[html.index('id="help-near-heading"') :])
    almaty = block[block.index("Almaty, Kazakhstan") :]
    assert "Almaty Legal Aid Room" in almaty
    assert re.search(r"\d+[.,]\d km away", almaty)
    assert "Open now" in almaty


def test_the_real_seed_page_links_to_help_near_the_places_it_names(
    runner, client, make_office, shared_seed
):
    make_office(
        slug="almaty-room",
        name="Almaty Legal Aid Room",
        city="Almaty",
        country="KZ",
        lat=43.2389,
        lon=76.8897,
        opening_hours="Mo-Fr 09:00-18:00",
        timezone="Asia/Almaty",
    )
    make_office(slug="kyiv-room", name="Kyiv Room", lat=50.45, lon=30.52)
    result = import_(runner, shared_seed)
    assert result.exit_code == 0, result.output

    statement = db.session.scalar(select(Statement))
    assert statement.title == (
        "Partnership for Legal Empowerment in Eastern Europe and Central Asia Statement on "
        "developments in Kazakhstan"
    )
    assert statement.published == date(2022, 1, 10)
    labels = " ".join(statement.place_labels)
    assert "Kazakhstan" in labels and "Almaty" in labels

    html = client.get(f"/statements/{statement.slug}?lang=en").get_data(as_text=True)
    body = html[html.index("<article") : html.index("</article>")]
    assert "Publication date:" in body and 'datetime="2022-01-10"' in body
    assert "Ensure the right to a fair trial for detained protesters." in body
    assert "facebook" not in body and "Потрібна" not in body and "ctrl-enter" not in body

    block = text_of(html[html.index('id="help-near-heading"') :])
    assert "Help near the places in this statement" in block
    almaty = block[block.index("Almaty, Kazakhstan") :]
    assert "Almaty Legal Aid Room" in almaty
    assert re.search(r"\d+[.,]\d km away", almaty)
    # Wednesday 11:00 in Kyiv is the afternoon in Almaty: the office is open.
    assert "Open now" in almaty
    assert 'href="/offices?near=Almaty%2C%20Kazakhstan"' in html or "/offices?near=Almaty" in html
    assert "Kyiv Room" not in block[: block.index("All statements")]
    # A small map per place with offices (the maps area's component), no script from elsewhere.
    assert html.count('class="help-near-map"') >= 1
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert src.startswith("/static/")


def test_a_place_without_an_office_nearby_offers_the_online_consultation(client, make_office):
    make_office(slug="kyiv-room", name="Kyiv Room", lat=50.45, lon=30.52)
    db.session.add(
        Statement(
            slug="zhanaozen",
            title="Zhanaozen",
            published=date(2022, 1, 5),
            lang="en",
            body_md="Protests in Zhanaozen.",
            places=[
                {
                    "label": "Zhanaozen",
                    "lat": 43.34,
                    "lon": 52.86,
                    "precision": "city",
                    "country": "KZ",
                },
            ],
        )
    )
    db.session.commit()

    html = client.get("/statements/zhanaozen?lang=en").get_data(as_text=True)
    block = text_of(html[html.index('id="help-near-heading"') :])

    assert "The network has no consulting room within 300 km of Zhanaozen." in block
    assert "Ask our lawyers online instead" in block
    assert "You can get a free consultation online." in block
    assert "Kyiv Room" not in block.split("Need a consultation?")[0]


def test_unknown_statement_is_404(client):
    assert client.get("/statements/no-such-thing").status_code == 404


# --- list and feed -------------------------------------------------------------------------


def add_statements(n: int) -> None:
    for i in range(n):
        db.session.add(
            Statement(
                slug=f"s-{i}",
                title=f"Statement number {i}",
                published=date(2024, 1, 1 + i),
                lang="en" if i % 2 else "uk",
                body_md=f"Body of **statement {i}** <script>alert({i})</script>",
                tags=["demo"],
            )
        )
    db.session.commit()


def test_the_list_is_paginated_newest_first(client):
    add_statements(12)

    first = text_of(client.get("/statements?lang=en").get_data(as_text=True))
    assert first.index("Statement number 11") < first.index("Statement number 2")
    assert "Statement number 1 " not in first
    second = text_of(client.get("/statements?page=2&lang=en").get_data(as_text=True))
    assert "Statement number 1 " in second and "Statement number 0" in second
    assert "Statement number 11" not in second
    assert client.get("/statements?page=9").status_code == 404
    assert client.get("/statements?page=abc").status_code == 404
    only_en = text_of(client.get("/statements?language=en&lang=en").get_data(as_text=True))
    assert "Statement number 11" in only_en and "Statement number 10" not in only_en


def test_the_atom_feed_is_valid_atom(client):
    add_statements(3)

    response = client.get("/statements/feed.atom")

    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 - our own feed
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "http://localhost/statements/feed.atom"
    assert links["alternate"] == "http://localhost/statements"
    datetime.fromisoformat(feed.find(f"{ATOM}updated").text)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Statement number 2",
        "Statement number 1",
        "Statement number 0",
    ]
    ids = set()
    for entry in entries:
        ids.add(entry.find(f"{ATOM}id").text)
        assert datetime.fromisoformat(entry.find(f"{ATOM}updated").text).tzinfo is not None
        link = entry.find(f"{ATOM}link")
        assert link.get("rel") == "alternate" and link.get("href").startswith(
            "http://localhost/statements/s-"
        )
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html"
        assert "<strong>" in content.text and "<script" not in content.text
    assert len(ids) == 3


def test_an_empty_feed_is_still_valid(client):
    feed = ET.fromstring(client.get("/statements/feed.atom").data)  # noqa: S314
    assert feed.find(f"{ATOM}updated").text
    assert feed.findall(f"{ATOM}entry") == []


def test_statement_page_shows_no_script_from_the_markdown(client):
    add_statements(1)
    html = client.get("/statements/s-0").get_data(as_text=True)
    article = html[html.index("<article") : html.index("</article>")]
    assert "<strong>statement 0</strong>" in article
    assert "<script" not in article and "alert(0)" not in article


def test_a_place_without_a_room_near_offers_the_remote_help_for_its_area(client, make_office):
    make_office(slug="kyiv-room", name="Kyiv Room", lat=50.45, lon=30.52)
    make_office(slug="crimea-line", name="Crimea Line", kind="remote", serves="UA-43;UA-40",
                address="", lat=None, lon=None, phone="+380 44 555 07 89")  # fmt: skip
    make_office(slug="kz-line", name="Kazakhstan Line", kind="remote", serves="KZ",
                address="", lat=None, lon=None, country="KZ", phone="+7 727 355 01 23")  # fmt: skip
    db.session.add(
        Statement(
            slug="far-places",
            title="Far places",
            published=date(2022, 1, 5),
            lang="en",
            body_md="Zhanaozen and Kerch.",
            places=[
                {
                    "label": "Zhanaozen",
                    "lat": 43.34,
                    "lon": 52.86,
                    "precision": "city",
                    "country": "KZ",
                },
                {
                    "label": "Kerch",
                    "lat": 45.36,
                    "lon": 36.47,
                    "precision": "city",
                    "country": "UA",
                },
                {"label": "Kyiv", "lat": 50.45, "lon": 30.52, "precision": "city", "country": "UA"},
            ],
        )
    )
    db.session.commit()

    html = client.get("/statements/far-places?lang=en").get_data(as_text=True)
    block = text_of(html[html.index('id="help-near-heading"') :])
    zhanaozen = block[block.index("Zhanaozen") : block.index("Kerch")]
    assert "Remote help: by phone or online" in zhanaozen and "Kazakhstan Line" in zhanaozen
    assert "Crimea Line" not in zhanaozen
    kerch = block[block.index("Kerch") : block.index("Kyiv Room")]
    assert "Crimea Line" in kerch and "Autonomous Republic of Crimea, Sevastopol" in kerch
    assert "Kazakhstan Line" not in kerch
    # Kyiv has a room near: no remote list there
    assert "Crimea Line" not in block[block.index("Kyiv Room") :]

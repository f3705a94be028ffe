"""Every download and streamed response, fetched from a real server by a signed-in coordinator.

The test client ran a streamed body inside the test's app context, which hid exports that
failed under gunicorn and the development server (rows read after the session was gone).
Here gunicorn serves the app, and werkzeug's threaded server (`flask run`) serves the CSVs.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from locator.extensions import db
from locator.statements.cli import seed_statements
from locator.volunteers.models import JoinRequest, Volunteer
from tests.live_http import Client
from tests.servers import serve, serving
from tests.volunteers_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_admin

VOLUNTEERS = 1200  # more than one 16 KB chunk of CSV, and more than one batch of 500 rows


@pytest.fixture
def data(app, make_office):
    make_admin()
    office = make_office(name="Київська приймальня", slug="kyiv-room")
    make_office(name='=HYPERLINK("http://evil.example")', slug="formula-room", city="Львів")
    db.session.add_all(
        Volunteer(
            name=f"Волонтер {n}",
            email=f"person{n}@example.org",
            phone="+380501234567",
            city="Київ",
            skills="legal",
            office_id=office.id,
            status="confirmed" if n % 2 else "new",
        )
        for n in range(VOLUNTEERS)
    )
    db.session.add(
        Volunteer(name="=1+2", email="formula@example.org", phone="+380501234567", city="Львів")
    )
    db.session.add_all(
        JoinRequest(
            organisation=f"ГО «Право {n}»",
            city="Одеса",
            contact_person="Ірина",
            email=f"org{n}@example.org",
            phone="+380501234567",
            about="Юридична допомога",
        )
        for n in range(3)
    )
    db.session.commit()
    seed_statements()
    db.session.remove()


def sign_in(client: Client) -> None:
    response = client.submit("/admin/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status == 302, response.text[:500]
    assert client.get("/admin/").status == 200


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def check_volunteer_exports(client: Client) -> None:
    response = client.get("/admin/volunteers.csv")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="volunteers-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response.text)
    assert len(rows) == VOLUNTEERS + 1
    names = {row["name"] for row in rows}
    assert {"Волонтер 0", f"Волонтер {VOLUNTEERS - 1}", "'=1+2"} <= names
    assert {row["nearest_office"] for row in rows} == {"Київська приймальня", ""}

    confirmed = read_csv(
        client.get(
            "/admin/volunteers.csv?" + urlencode({"status": "confirmed", "city": "київ"})
        ).text
    )
    assert len(confirmed) == VOLUNTEERS // 2
    assert {row["status"] for row in confirmed} == {"confirmed"}

    response = client.get("/admin/join-requests.csv")
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="join-requests-'
    )
    assert sorted(row["organisation"] for row in read_csv(response.text)) == [
        "ГО «Право 0»",
        "ГО «Право 1»",
        "ГО «Право 2»",
    ]


def test_every_download_through_gunicorn(app, app_config, data, tmp_path):
    with serve(app_config, tmp_path) as server:
        client = Client(server.port)
        # Nothing private without signing in.
        for path in ("/admin/volunteers.csv", "/admin/join-requests.csv", "/admin/offices/export"):
            assert client.get(path).status == 302
        sign_in(client)
        # Several times: each worker answers some, and each export closes its session.
        for _ in range(3):
            check_volunteer_exports(client)

        exported = client.get("/admin/offices/export?format=csv")
        assert exported.status == 200
        assert exported.headers["Content-Disposition"].startswith('attachment; filename="offices-')
        slugs = {row["slug"] for row in read_csv(exported.text)}
        assert slugs == {"kyiv-room", "formula-room"}

        geojson = client.get("/admin/offices/export?format=geojson")
        assert geojson.status == 200
        assert geojson.headers["Content-Type"].startswith("application/geo+json")
        features = json.loads(geojson.body)["features"]
        assert {f["properties"]["slug"] for f in features} == slugs

        hsds = client.get("/admin/offices/export?format=hsds")
        assert hsds.status == 200
        assert "Київська приймальня" in hsds.text

        poster = client.get("/poster.pdf?lang=uk&size=a4")
        assert poster.status == 200
        assert poster.headers["Content-Type"] == "application/pdf"
        assert poster.body.startswith(b"%PDF-")
        personal = client.get("/poster.pdf?lang=en&size=A3&office=kyiv-room")
        assert personal.status == 200 and personal.body.startswith(b"%PDF-")
        if shutil.which("pdftoppm"):
            preview = client.get("/poster/preview.png?lang=uk&size=a4")
            assert preview.status == 200
            assert preview.body.startswith(b"\x89PNG")

        feed = client.get("/statements/feed.atom")
        assert feed.status == 200
        assert feed.headers["Content-Type"].startswith("application/atom+xml")
        assert feed.text.count("</entry>") == 4  # the four seeded statements

        api = client.get("/api/v1/offices")
        assert api.status == 200
        assert len(json.loads(api.body)["features"]) == 2
        assert client.get("/api/v1/openapi.json").status == 200
        assert client.get("/static/css/site.css").status == 200

    log = server.log()
    assert "Traceback" not in log
    assert " 500 " not in log


def test_volunteer_exports_through_the_development_server(app, data):
    """`flask run` serves with werkzeug: the exports work there too."""
    try:
        with serving(app) as port:
            client = Client(port)
            sign_in(client)
            check_volunteer_exports(client)
    finally:
        db.session.remove()
        db.engine.dispose()


def test_an_export_reads_rows_committed_after_the_page_was_opened(app, data, tmp_path, app_config):
    with serve(app_config, tmp_path, workers=1) as server:
        client = Client(server.port)
        sign_in(client)
        before = len(read_csv(client.get("/admin/join-requests.csv").text))
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.name == "=1+2"))
        db.session.delete(volunteer)
        db.session.add(
            JoinRequest(
                organisation="Нова організація",
                city="Харків",
                contact_person="Петро",
                email="new@example.org",
                phone="+380501234567",
            )
        )
        db.session.commit()
        after = read_csv(client.get("/admin/join-requests.csv").text)
        assert len(after) == before + 1
        assert after[0]["organisation"] == "Нова організація"  # newest first
        names = {row["name"] for row in read_csv(client.get("/admin/volunteers.csv").text)}
        assert "'=1+2" not in names

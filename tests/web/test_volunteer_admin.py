"""Coordinators find, update, delete and export volunteers and join requests."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from locator.extensions import db
from locator.mail.models import OutgoingMail
from locator.volunteers.models import JoinRequest, Volunteer
from tests.volunteers_helpers import FreshContextClient, csrf_token


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


def add_volunteer(**fields) -> Volunteer:
    values = {
        "name": "Олена Петренко",
        "email": f"person{db.session.scalar(select(func.count(Volunteer.id)))}@example.org",
        "phone": "+380501234567",
        "city": "Київ",
        "skills": "legal",
    }
    values.update(fields)
    volunteer = Volunteer(**values)
    db.session.add(volunteer)
    db.session.commit()
    return volunteer


def parse_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_list_shows_volunteers_with_html_as_text(coordinator):
    add_volunteer(name="<script>alert('x')</script>", message="<b>bold</b> & co")
    html = coordinator.get("/admin/volunteers").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert "+380501234567" in html


def test_filters_by_city_skill_status_and_office(coordinator, make_office):
    kyiv = make_office(name="Київська приймальня")
    lviv = make_office(name="Львівська приймальня", city="Львів", lat=49.84, lon=24.03)
    add_volunteer(name="Андрій", city="Київ", skills="legal;it", office_id=kyiv.id)
    add_volunteer(name="Богдана", city="Львів", skills="translation", office_id=lviv.id)
    add_volunteer(name="Василь", city="Київ", skills="posters", status="confirmed")

    def names(query: str) -> set[str]:
        html = coordinator.get(f"/admin/volunteers?{query}").get_data(as_text=True)
        return {n for n in ("Андрій", "Богдана", "Василь") if f"<td>{n}</td>" in html}

    assert names("") == {"Андрій", "Богдана", "Василь"}
    assert names("city=київ") == {"Андрій", "Василь"}
    assert names("skill=it") == {"Андрій"}
    assert names("skill=legal") == {"Андрій"}
    assert names("status=confirmed") == {"Василь"}
    assert names(f"office={lviv.id}") == {"Богдана"}
    assert names("city=%25") == set()  # a LIKE wildcard is just a character
    assert names("skill=nonsense&status=nonsense&office=abc") == {"Андрій", "Богдана", "Василь"}
    page = coordinator.get("/admin/volunteers").get_data(as_text=True)
    assert "Львівська приймальня" in page  # offering the office filter


def test_change_status_keeps_the_filters(coordinator):
    volunteer = add_volunteer(confirmed_at=None)
    page = coordinator.get("/admin/volunteers?city=Київ").get_data(as_text=True)
    response = coordinator.post(
        f"/admin/volunteers/{volunteer.id}/status",
        data={
            f"r{volunteer.id}-status": "contacted",
            f"r{volunteer.id}-csrf_token": csrf_token(page),
            "back": "city=%D0%9A%D0%B8%D1%97%D0%B2",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/volunteers?city=%D0%9A%D0%B8%D1%97%D0%B2"
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).status == "contacted"
    assert "Статус змінено" in coordinator.get(response.headers["Location"]).get_data(as_text=True)


def test_workflow_new_confirmed_contacted_active_declined(coordinator, clock):
    volunteer = add_volunteer(status="confirmed", confirmed_at=clock())
    page = coordinator.get("/admin/volunteers").get_data(as_text=True)
    for status in ("contacted", "active", "declined", "confirmed"):
        coordinator.post(
            f"/admin/volunteers/{volunteer.id}/status",
            data={
                f"r{volunteer.id}-status": status,
                f"r{volunteer.id}-csrf_token": csrf_token(page),
            },
        )
        db.session.expire_all()
        assert db.session.get(Volunteer, volunteer.id).status == status


def test_coordinator_cannot_confirm_for_the_person(coordinator):
    volunteer = add_volunteer()
    page = coordinator.get("/admin/volunteers").get_data(as_text=True)
    for status in ("confirmed", "new", "bogus"):
        coordinator.post(
            f"/admin/volunteers/{volunteer.id}/status",
            data={
                f"r{volunteer.id}-status": status,
                f"r{volunteer.id}-csrf_token": csrf_token(page),
            },
        )
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).status == "new"


def test_delete_removes_the_person_and_their_mails(coordinator):
    volunteer = add_volunteer(email="gone@example.org")
    keep = add_volunteer(email="stays@example.org")
    db.session.add_all(
        [
            OutgoingMail(to_address="gone@example.org", subject="s", text_body="t"),
            OutgoingMail(to_address="stays@example.org", subject="s", text_body="t"),
        ]
    )
    db.session.commit()
    page = coordinator.get("/admin/volunteers").get_data(as_text=True)
    response = coordinator.post(
        f"/admin/volunteers/{volunteer.id}/delete", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Volunteer.id)).all() == [keep.id]
    assert db.session.scalars(select(OutgoingMail.to_address)).all() == ["stays@example.org"]


def test_unknown_record_is_404(coordinator):
    page = coordinator.get("/admin/volunteers").get_data(as_text=True)
    response = coordinator.post(
        "/admin/volunteers/999/delete", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 404


def test_csv_export_neutralises_formulas_and_keeps_html_as_text(coordinator):
    add_volunteer(
        name='=HYPERLINK("http://evil.example","click")',
        message="<script>alert(1)</script>",
        availability="@SUM(A1)",
        languages="-2+3",
        skills="legal;it",
    )
    response = coordinator.get("/admin/volunteers.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    [row] = parse_csv(response.get_data(as_text=True))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["message"] == "<script>alert(1)</script>"
    assert row["availability"] == "'@SUM(A1)"
    assert row["languages"] == "'-2+3"
    assert row["phone"] == "'+380501234567"
    assert row["skills"] == "legal;it"


def test_csv_follows_the_filters(coordinator):
    add_volunteer(name="Андрій", city="Київ")
    add_volunteer(name="Богдана", city="Львів")
    rows = parse_csv(coordinator.get("/admin/volunteers.csv?city=Львів").get_data(as_text=True))
    assert [r["name"] for r in rows] == ["Богдана"]


def test_paging(coordinator):
    for n in range(55):
        add_volunteer(name=f"Особа {n:02d}", email=f"p{n}@example.org")
    first = coordinator.get("/admin/volunteers").get_data(as_text=True)
    second = coordinator.get("/admin/volunteers?page=2").get_data(as_text=True)
    assert first.count("<td>Особа") == 50
    assert second.count("<td>Особа") == 5
    assert "55" in first
    assert coordinator.get("/admin/volunteers?page=999").status_code == 200


def test_join_requests_reviewed_like_volunteers(coordinator):
    request = JoinRequest(
        organisation="ГО «Право на захист»",
        city="Одеса",
        contact_person="<i>Ірина</i>",
        email="info@example.org",
        phone="+380487654321",
        about="=cmd",
    )
    db.session.add(request)
    db.session.commit()
    html = coordinator.get("/admin/join-requests").get_data(as_text=True)
    assert "ГО «Право на захист»" in html
    assert "&lt;i&gt;Ірина&lt;/i&gt;" in html
    coordinator.post(
        f"/admin/join-requests/{request.id}/status",
        data={f"r{request.id}-status": "accepted", f"r{request.id}-csrf_token": csrf_token(html)},
    )
    db.session.expire_all()
    assert db.session.get(JoinRequest, request.id).status == "accepted"
    [row] = parse_csv(coordinator.get("/admin/join-requests.csv").get_data(as_text=True))
    assert row["about"] == "'=cmd"
    assert row["status"] == "accepted"


def test_cli_export_to_a_file_and_to_stdout(app, runner, tmp_path):
    add_volunteer(name="=1+1", email="a@example.org")
    add_volunteer(name="Марія", email="b@example.org")
    path = tmp_path / "volunteers.csv"
    result = runner.invoke(args=["volunteers", "export", "-o", str(path)])
    assert result.exit_code == 0, result.output
    rows = parse_csv(path.read_text(encoding="utf-8"))
    assert {r["name"] for r in rows} == {"'=1+1", "Марія"}

    result = runner.invoke(args=["volunteers", "export", "-o", "-"])
    assert result.exit_code == 0
    assert "Марія" in result.stdout
    assert "name,email,phone" in result.stdout


def test_purge_deletes_unconfirmed_after_30_days(runner, clock):
    old_id = add_volunteer(email="old@example.org", created_at=clock() - timedelta(days=31)).id
    add_volunteer(email="fresh@example.org", created_at=clock() - timedelta(days=5))
    add_volunteer(
        email="confirmed@example.org",
        created_at=clock() - timedelta(days=90),
        confirmed_at=clock() - timedelta(days=89),
        status="active",
    )
    db.session.add(
        OutgoingMail(to_address="old@example.org", subject="s", text_body="t", status="failed")
    )
    db.session.commit()
    result = runner.invoke(args=["volunteers", "purge"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    db.session.expire_all()
    emails = set(db.session.scalars(select(Volunteer.email)))
    assert emails == {"fresh@example.org", "confirmed@example.org"}
    assert db.session.get(Volunteer, old_id) is None
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0

"""The coordinators' area: closed to strangers, sign-in limited, sign-out final."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from locator.extensions import db
from locator.models import User
from locator.volunteers.models import Volunteer
from tests.volunteers_helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    FreshContextClient,
    csrf_token,
    log_in,
    make_admin,
    post_form,
)


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


def admin_rules(app):
    """Every /admin URL the app has, with sample arguments, and its methods."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint == "admin.login":
            continue
        args = {name: 1 for name in rule.arguments}
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", "1").replace(f"<{name}>", "1")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, path, method, args


@pytest.fixture
def private_volunteer(app):
    volunteer = Volunteer(
        name="Таємна Особа",
        email="secret.person@example.org",
        phone="+380501234567",
        city="Київ",
    )
    db.session.add(volunteer)
    db.session.commit()
    return volunteer


def test_the_app_has_admin_pages_to_check(app):
    endpoints = {endpoint for endpoint, *_ in admin_rules(app)}
    assert {"admin.home", "admin.volunteers", "admin.volunteers_csv", "admin.join_requests"} <= (
        endpoints
    )
    assert "admin.volunteers_status" in endpoints and "admin.volunteers_delete" in endpoints


def test_every_admin_page_sends_a_stranger_to_sign_in(app, client, private_volunteer):
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    checked = 0
    for endpoint, path, method, _ in admin_rules(app):
        data = {"csrf_token": token, "status": "declined"} if method == "POST" else None
        response = client.open(path, method=method, data=data)
        assert response.status_code in (302, 303), (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith("/admin/login"), endpoint
        body = response.get_data(as_text=True)
        assert "secret.person" not in body and "Таємна" not in body, endpoint
        checked += 1
    assert checked >= 9
    db.session.expire_all()
    assert db.session.scalar(select(Volunteer.status)) == "new"  # no POST got through


def test_post_without_csrf_is_refused_even_for_a_coordinator(app, client, private_volunteer):
    make_admin()
    log_in(client)
    response = client.post(f"/admin/volunteers/{private_volunteer.id}/delete")
    assert response.status_code == 400
    assert db.session.scalar(select(Volunteer)) is not None


def test_sign_in_then_back_to_the_page_asked_for(client):
    make_admin()
    first = client.get("/admin/volunteers")
    login_url = first.headers["Location"]
    page = client.get(login_url).get_data(as_text=True)
    response = client.post(
        login_url,
        data={
            "email": ADMIN_EMAIL.upper(),
            "password": ADMIN_PASSWORD,
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/volunteers"
    assert client.get("/admin/volunteers").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/admin/\r\nSet-Cookie: x=y",
    ],
)
def test_next_never_leaves_the_site(client, target):
    make_admin()
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_wrong_password_and_unknown_address_look_the_same(client):
    make_admin()
    wrong = log_in(client, password="wrong password!!").get_data(as_text=True)
    unknown = log_in(client, email="nobody@example.org").get_data(as_text=True)
    assert "Wrong e-mail or password." in wrong or "Неправильна" in wrong
    assert wrong.count("error") == unknown.count("error")
    assert client.get("/admin/").status_code == 302


def test_sign_in_is_rate_limited_per_address_and_email(client):
    make_admin()
    for _ in range(5):
        assert log_in(client, password="guess guess guess").status_code == 200
    assert log_in(client, password="guess guess guess").status_code == 429
    # Even the right password waits: the limit is what stops guessing.
    assert log_in(client).status_code == 429
    # Another coordinator's address from the same place is not locked out by this.
    make_admin(email="other@example.org")
    assert log_in(client, email="other@example.org").status_code == 302


def test_sign_out_ends_the_session_and_copies_of_its_cookie(app, client):
    make_admin()
    log_in(client)
    assert client.get("/admin/").status_code == 200
    stolen = client.get_cookie("session").value

    page = client.get("/admin/").get_data(as_text=True)
    assert client.post("/admin/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert client.get("/admin/").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/admin/volunteers")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def test_new_password_signs_out_other_browsers(app, client):
    make_admin()
    log_in(client)
    user = db.session.scalar(select(User))
    user.set_password("another long password")
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_disabled_coordinator_cannot_sign_in(client):
    user = make_admin()
    user.is_enabled = False
    db.session.commit()
    assert log_in(client).status_code == 200
    assert client.get("/admin/").status_code == 302


def test_passwords_are_stored_hashed_with_scrypt(app):
    user = make_admin()
    assert user.password_hash.startswith("scrypt:")
    assert ADMIN_PASSWORD not in user.password_hash


def test_admin_pages_are_not_cached(client):
    make_admin()
    log_in(client)
    assert client.get("/admin/volunteers").headers["Cache-Control"] == "no-store"
    assert client.get("/admin/volunteers.csv").headers["Cache-Control"] == "no-store"


def test_create_admin_from_stdin(runner):
    result = runner.invoke(
        args=["create-admin", "New.Coordinator@example.org", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "new.coordinator@example.org"
    assert user.check_password("a long enough password")


def test_session_cookie_settings(app, client):
    make_admin()
    response = post_form(client, "/admin/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie

"""/volunteer: the form, storing a sign-up, the confirmation e-mail, and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from locator.extensions import db
from locator.mail.models import OutgoingMail
from locator.volunteers.models import Volunteer
from tests.volunteers_helpers import (
    FreshContextClient,
    csrf_token,
    links,
    post_form,
    send_queued_mail,
    sign_up,
    signup_data,
)


def volunteers() -> list[Volunteer]:
    return db.session.scalars(select(Volunteer)).all()


def mail_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail))


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(smtp_server.config)
    return app_config


def test_form_has_labels_help_and_consent_link_in_ukrainian(client):
    html = client.get("/volunteer").get_data(as_text=True)
    assert "Як ви хочете допомогти?" in html
    for field in ("name", "email", "phone", "city", "consent", "skills-0"):
        assert f'for="{field}"' in html
    assert 'href="/privacy"' in html
    assert 'name="website_url"' in html and 'tabindex="-1"' in html


def test_form_in_english(client):
    html = client.get("/volunteer?lang=en").get_data(as_text=True)
    assert "Become a volunteer" in html
    assert "Legal advice" in html
    assert "Privacy notice" in html


def test_sign_up_is_stored_unconfirmed_and_the_confirmation_mail_arrives(
    client, make_office, smtp_server
):
    kyiv = make_office(name="Київська приймальня", city="Київ", lat=50.45, lon=30.52)
    make_office(name="Львівська приймальня", city="Львів", lat=49.84, lon=24.03)

    response = sign_up(client)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "перевірте пошту" in page.lower()

    [volunteer] = volunteers()
    assert volunteer.status == "new" and volunteer.confirmed_at is None
    assert volunteer.email == "olena.petrenko@example.org"
    assert volunteer.phone == "+380501234567"
    assert volunteer.office_id == kyiv.id
    assert volunteer.skill_list == ["legal", "translation"]
    assert volunteer.locale == "uk"
    assert smtp_server.messages == []  # the request only queued it

    send_queued_mail(client)
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "olena.petrenko@example.org"
    assert message["Subject"] == "Підтвердіть, будь ласка, реєстрацію волонтера"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Олена Петренко" in text and "Олена Петренко" in html
    found = links(message)
    assert found["confirm"].startswith("/volunteer/confirm/")
    assert found["withdraw"].startswith("/volunteer/withdraw/")
    assert f'href="http://localhost{found["confirm"]}"' in html.replace("&amp;", "&")
    assert db.session.scalar(select(OutgoingMail.status)) == "sent"


def sign_up_en(client, **overrides):
    page = client.get("/volunteer?lang=en").get_data(as_text=True)
    data = {**signup_data(**overrides), "csrf_token": csrf_token(page)}
    return client.post("/volunteer", data=data)


def test_english_page_sends_an_english_mail(client, smtp_server):
    response = sign_up_en(client)
    assert response.status_code == 303
    send_queued_mail(client)
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Please confirm your volunteer sign-up"
    assert "Hello, Олена Петренко!" in message.get_body(("plain",)).get_content()
    assert volunteers()[0].locale == "en"


def test_unknown_city_is_kept_without_an_office(client, make_office):
    make_office()
    assert sign_up(client, city="Мала Виска-Тестова").status_code == 303
    [volunteer] = volunteers()
    assert volunteer.city == "Мала Виска-Тестова"
    assert volunteer.office_id is None


def test_same_address_twice_resends_instead_of_a_second_volunteer(client, smtp_server):
    sign_up(client)
    response = sign_up(client, email="  OLENA.petrenko@example.org ", name="Хтось інший")
    assert response.status_code == 303

    [volunteer] = volunteers()
    assert volunteer.name == "Олена Петренко"  # the stranger's answers do not overwrite
    send_queued_mail(client)
    first, second = smtp_server.wait_for(2)
    assert first["Subject"] == second["Subject"]
    assert "confirm" in links(second)


def test_resending_is_capped_per_address(client, smtp_server, clock):
    for _ in range(6):
        assert sign_up(client).status_code == 303
    assert len(volunteers()) == 1
    assert mail_count() == 3
    assert "Sent 3, failed 0" in send_queued_mail(client)

    clock.moment += timedelta(minutes=59)
    assert sign_up(client).status_code == 303
    assert mail_count() == 3  # any hour holds at most three
    clock.moment += timedelta(minutes=2)  # the first three are over an hour old
    for _ in range(3):  # (ten sign-ups in all: the per-IP limit)
        assert sign_up(client).status_code == 303
    assert mail_count() == 6
    assert "Sent 3, failed 0" in send_queued_mail(client)
    assert len(smtp_server.wait_for(6)) == 6


def test_honeypot_pretends_success_and_keeps_nothing(client, smtp_server):
    response = sign_up(client, website_url="http://spam.example")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/volunteer/thanks")
    assert volunteers() == []
    assert mail_count() == 0
    assert smtp_server.messages == []


def test_missing_csrf_token_is_400_and_nothing_stored(client):
    response = client.post("/volunteer?lang=en", data=signup_data())
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert volunteers() == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "правильну адресу"),
        ({"email": ""}, "email", "Вкажіть адресу"),
        ({"phone": "12345"}, "phone", "номер телефону"),
        ({"phone": "050-ABC-4567"}, "phone", "номер телефону"),
        ({"consent": None}, "consent", "згоди"),
        ({"name": ""}, "name", "Вкажіть ваше ім"),
        ({"name": "Я" * 10_000}, "name", "200"),
        ({"message": "x" * 10_000}, "message", "2000"),
        ({"city": "К" * 10_000}, "city", "120"),
        ({"name": "<script>alert(1)</script>"}, "name", "HTML"),
        ({"message": "Hi <b>there</b>"}, "message", "HTML"),
        ({"availability": "<img src=x onerror=alert(1)>"}, "availability", "HTML"),
        ({"languages": "uk\x07en"}, "languages", "символи"),
        ({"skills": ["legal", "hacking"]}, "skills", "варіант"),
    ],
)
def test_bad_input_shows_the_form_again_with_the_message(client, overrides, field, message):
    response = sign_up(client, **overrides)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert volunteers() == []


def test_nul_bytes_are_refused_before_anything_is_stored(client):
    # The app refuses NUL in any posted form with a 400 (PostgreSQL could not store it).
    assert sign_up(client, languages="uk\x00en").status_code == 400
    assert volunteers() == []


def test_errors_are_tied_to_their_fields(client):
    html = sign_up(client, email="nope", phone="1").get_data(as_text=True)
    assert 'aria-describedby="email-help email-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'role="alert"' in html


def test_plain_text_with_angle_brackets_is_accepted(client):
    assert sign_up(client, message="I <3 law; 2 < 3").status_code == 303
    assert volunteers()[0].message == "I <3 law; 2 < 3"


def test_too_many_sign_ups_from_one_address_get_a_polite_429(app, client):
    app.config["VOLUNTEER_RATE_LIMIT"] = "3 per hour"
    client.get("/volunteer?lang=en")  # the language cookie: the 429 page in English
    for n in range(3):
        assert sign_up(client, email=f"person{n}@example.org").status_code == 303
    response = sign_up(client, email="person9@example.org")
    assert response.status_code == 429
    assert "Please wait a minute and try again" in response.get_data(as_text=True)
    assert len(volunteers()) == 3
    assert client.get("/volunteer").status_code == 200  # reading the form is not limited
    app.test_client_class = FreshContextClient  # no language cached from the requests above
    in_ukrainian = app.test_client()
    response = post_form(in_ukrainian, "/volunteer", signup_data(email="person10@example.org"))
    assert response.status_code == 429
    assert "Забагато запитів" in response.get_data(as_text=True)


def test_sql_parameters_are_not_quoted_in_database_errors(app):
    db.session.add(Volunteer(name="A", email="twice@example.org", phone="+380501234567", city="X"))
    db.session.commit()
    db.session.add(Volunteer(name="B", email="twice@example.org", phone="+380501234567", city="X"))
    with pytest.raises(IntegrityError) as caught:
        db.session.commit()
    db.session.rollback()
    # SQLAlchemy's part of the message (the parameters) is hidden; PostgreSQL's own
    # DETAIL still names the key, which is why unhandled errors log no message at all.
    assert "[parameters:" not in str(caught.value) or "hidden" in str(caught.value)
    assert "'twice@example.org'" not in str(caught.value)


def test_unhandled_errors_log_no_personal_data(app, client, caplog):
    address = "@".join(["olena", "example.org"])  # not in the source line the log shows

    def boom():
        raise RuntimeError(f"Key (email)=({address}) already exists")

    app.add_url_rule("/boom-for-test", "boom_for_test", boom)
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "olena@example.org" not in response.get_data(as_text=True)
    assert "RuntimeError" in caplog.text
    assert "test_volunteer_signup.py" in caplog.text  # where it happened is kept
    assert "olena@example.org" not in caplog.text

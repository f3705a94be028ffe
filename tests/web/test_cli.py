"""The `flask …` commands: init-db, seed (idempotent), geocode, create-admin."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import inspect

from locator.extensions import db
from locator.models import Office, User

SEED_CSV = Path(__file__).resolve().parents[2] / "seed_data" / "offices.csv"


def seed_count() -> int:
    with SEED_CSV.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def offices_line(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("Offices:")]
    return line


def invoke(runner, *args, **kw):
    return runner.invoke(args=list(args), **kw)


def test_init_db_creates_the_schema(app, runner):
    db.drop_all()
    assert "office" not in inspect(db.engine).get_table_names()
    result = invoke(runner, "init-db")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Database ready: ")
    tables = set(inspect(db.engine).get_table_names())
    assert {"office", "geocode_cache", "user_account"} <= tables
    # Running it again is harmless.
    assert invoke(runner, "init-db").exit_code == 0


def test_seed_loads_the_offices_once(runner, client):
    n = seed_count()
    first = invoke(runner, "seed")
    assert first.exit_code == 0, first.output
    assert offices_line(first.output).startswith(f"Offices: {n} created, 0 updated, 0 unchanged")
    second = invoke(runner, "seed")
    assert second.exit_code == 0, second.output
    assert offices_line(second.output).startswith(f"Offices: 0 created, 0 updated, {n} unchanged")
    # Everything else seed loads is unchanged on the second run too.
    for line in second.output.splitlines():
        assert " 0 created, 0 updated," in line, line
    assert db.session.scalar(db.select(db.func.count()).select_from(Office)) == n
    # The seeded offices are what the site shows.
    body = client.get("/api/v1/offices/nearest?near=Львів").get_json()
    assert body["results"][0]["office"]["city"] == "Львів"
    assert body["results"][0]["office"]["demo"] is True


def test_seed_restores_an_edited_office(runner):
    invoke(runner, "seed")
    office = db.session.scalar(db.select(Office).order_by(Office.id).limit(1))
    original = office.name
    office.name = "Changed by hand"
    db.session.commit()
    result = invoke(runner, "seed")
    assert offices_line(result.output).startswith(
        f"Offices: 0 created, 1 updated, {seed_count() - 1} unchanged"
    )
    db.session.refresh(office)
    assert office.name == original


@pytest.mark.parametrize(
    ("query", "label", "lat", "lon", "precision", "source"),
    [
        ("Київ", "Київ, Україна", 50.45, 30.52, "city", "gazetteer"),
        ("Kharkov", "Харків, Україна", 49.98, 36.25, "city", "gazetteer"),
        ("50.4501, 30.5234", "50.45010, 30.52340", 50.4501, 30.5234, "point", "coordinates"),
    ],
)
def test_geocode_prints_label_coordinates_precision_and_source(
    runner, query, label, lat, lon, precision, source
):
    result = invoke(runner, "geocode", query)
    assert result.exit_code == 0, result.output
    fields = dict(
        (key.strip(), value.strip())
        for key, value in (line.split(":", 1) for line in result.output.splitlines())
    )
    assert set(fields) == {"label", "lat", "lon", "precision", "source"}
    assert fields["label"] == label
    assert float(fields["lat"]) == pytest.approx(lat, abs=0.02)
    assert float(fields["lon"]) == pytest.approx(lon, abs=0.02)
    assert fields["precision"] == precision
    assert fields["source"] == source


def test_geocode_in_english(runner):
    result = invoke(runner, "geocode", "Київ", "--lang", "en")
    assert "label:     Kyiv, Ukraine" in result.output


def test_geocode_an_unknown_place_fails(runner):
    result = invoke(runner, "geocode", "Qwertyuiop")
    assert result.exit_code == 1
    assert "not found" in result.output


def _login(client, email: str, password: str):
    form = BeautifulSoup(client.get("/admin/login").get_data(as_text=True), "html.parser")
    token = form.select_one("input[name=csrf_token]")["value"]
    return client.post(
        "/admin/login",
        data={"csrf_token": token, "email": email, "password": password},
    )


def test_create_admin_with_password_stdin_then_login_works(runner, client):
    result = invoke(
        runner,
        "create-admin",
        "Coordinator@Example.org",
        "--password-stdin",
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert "Coordinator saved." in result.output
    assert "correct horse" not in result.output
    user = db.session.scalar(db.select(User))
    assert user.email == "coordinator@example.org"
    assert user.password_hash != "correct horse battery"

    # A stranger is sent to the sign-in page.
    assert client.get("/admin/").status_code == 302
    wrong = _login(client, "coordinator@example.org", "wrong password here")
    assert wrong.status_code == 200
    assert "Неправильна електронна пошта або пароль." in wrong.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302

    response = _login(client, "coordinator@example.org", "correct horse battery")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "Розділ координаторів" in home.get_data(as_text=True)


def test_create_admin_again_resets_the_password(runner, client):
    invoke(runner, "create-admin", "a@example.org", "--password-stdin", input="first password\n")
    invoke(runner, "create-admin", "a@example.org", "--password-stdin", input="second password\n")
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
    assert _login(client, "a@example.org", "first password").status_code == 200
    assert _login(client, "a@example.org", "second password").status_code == 302


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "long enough password", "not an e-mail address"),
        ("a@example.org", "short", "at least 10 characters"),
    ],
)
def test_create_admin_refuses_bad_input(runner, email, password, message):
    result = invoke(runner, "create-admin", email, "--password-stdin", input=password + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def listed_commands(help_text: str) -> set[str]:
    """The command names under "Commands:" in click's --help output."""
    _, _, section = help_text.partition("Commands:")
    return {line.split()[0] for line in section.splitlines() if line.strip()}


def test_every_command_group_is_listed_with_its_commands(app, runner):
    top = invoke(runner, "--help")
    assert top.exit_code == 0, top.output
    assert {"init-db", "seed", "geocode", "create-admin"} <= listed_commands(top.output)
    groups = {
        "offices": {"import", "export"},
        "posters": {"pdf"},
        "statements": {"import"},
        "volunteers": {"export", "purge"},
        "chat": {"purge"},
        "mail": {"work", "retry"},
    }
    assert set(groups) <= listed_commands(top.output)
    for group, commands in groups.items():
        result = invoke(runner, group, "--help")
        assert result.exit_code == 0, result.output
        assert listed_commands(result.output) == commands, group
    # One way to add commands: the areas' groups, none on a blueprint.
    assert not [name for name, bp in app.blueprints.items() if bp.cli.commands]

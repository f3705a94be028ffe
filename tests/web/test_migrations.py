"""Migrations (migrations/, Flask-Migrate): they build the models' schema, the very one
`db.create_all()` builds (spatial index included), and `flask init-db` brings a database made
by create_all before there were migrations up to date without losing a row.

Each test gets an empty database of its own: a SQLite file, or with LOCATOR_TEST_DB=postgresql
a fresh PostgreSQL database (this is where CI checks that models and migrations agree on both).
"""

from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, Table, func, select

from locator import create_app, schema
from locator.config import ROOT
from locator.extensions import db
from locator.models import Office, User
from locator.statements.models import Statement
from locator.volunteers.models import Volunteer
from tests.conftest import PG_ADMIN_URL

HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()


@pytest.fixture
def empty_url(tmp_path, postgres_url):
    """The URL of an empty database of this test's own."""
    if postgres_url is None:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"locator_migrations_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_app(app_config, empty_url):
    """An app on that empty database, its context pushed."""
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()  # before the database is dropped


def init_db(app) -> str:
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    return result.output


def version() -> list[str]:
    with db.engine.connect() as connection:
        return list(MigrationContext.configure(connection).get_current_heads())


def schema_dump() -> dict:
    """Every table, column, index, constraint and trigger, as the database describes them."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '%alembic_version%'"
            ).all()
            return {(kind, name): " ".join((sql or "").split()) for kind, name, sql in rows}
        columns = conn.exec_driver_sql(
            "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length,"
            " column_default FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name <> 'alembic_version'"
        ).all()
        indexes = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ).all()
        constraints = conn.exec_driver_sql(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace"
            " AND conrelid::regclass::text <> 'alembic_version'"
        ).all()
        return {
            **{("column", t, c): rest for t, c, *rest in columns},
            **{("index", name): sql for name, sql in indexes},
            **{("constraint", t, name): sql for t, name, sql in constraints},
        }


def nearest_slugs(client) -> list[str]:
    body = client.get("/api/v1/offices/nearest?lat=50.45&lon=30.52").get_json()
    return [hit["office"]["slug"] for hit in body["results"]]


def add_rows() -> None:
    db.session.add_all(
        [
            Office(slug="kyiv-podil", name="Kyiv Podil", city="Київ", lat=50.46, lon=30.51),
            Office(slug="lviv-centre", name="Lviv Centre", city="Львів", lat=49.84, lon=24.03),
            Office(slug="phone-only", name="Phone only", city="Київ"),
            Statement(slug="s", title="Заява", published=date(2024, 2, 12), body_md="Текст"),
        ]
    )
    user = User(email="coordinator@example.org")
    user.set_password("a long enough password")
    db.session.add(user)
    db.session.flush()
    db.session.add(
        Volunteer(name="Ірина", email="iryna@example.org", phone="+380441234567", city="Київ")
    )
    db.session.commit()


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Office, Statement, User, Volunteer)
    }


def test_the_migrations_build_exactly_the_schema_of_the_models(empty_app):
    app = empty_app
    output = init_db(app)

    assert output.startswith("Database ready: ")
    assert version() == [HEAD]
    # What CI checks: autogenerate finds nothing between the migrated database and the models.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": schema.include_name, "compare_type": True}
        )
        assert compare_metadata(context, db.metadata) == []


def test_the_migrated_schema_is_the_one_create_all_makes(empty_app):
    init_db(empty_app)
    migrated = schema_dump()
    db.session.remove()
    db.drop_all()
    db.session.execute(db.text("DROP TABLE alembic_version"))
    db.session.commit()
    assert schema_dump() == {}
    db.create_all()
    created = schema_dump()

    assert migrated == created
    spatial = {key[-1] for key in created if "office_rtree" in key[-1] or "office_geo" in key[-1]}
    if db.engine.dialect.name == "sqlite":
        assert {"office_rtree_insert", "office_rtree_update", "office_rtree_delete"} <= spatial
        assert created[("table", "office_rtree")].startswith("CREATE VIRTUAL TABLE office_rtree")
    else:
        assert created[("index", "ix_office_geo")].endswith("USING gist (point(lon, lat))")


def test_the_spatial_index_made_by_the_migrations_follows_the_offices(empty_app):
    app = empty_app
    init_db(app)
    client = app.test_client()
    add_rows()

    assert nearest_slugs(client)[:2] == ["kyiv-podil", "lviv-centre"]
    lviv = db.session.scalar(select(Office).where(Office.slug == "lviv-centre"))
    lviv.lat, lviv.lon = 50.451, 30.521  # moved next door
    db.session.commit()
    assert nearest_slugs(client)[:2] == ["lviv-centre", "kyiv-podil"]
    db.session.delete(lviv)
    db.session.commit()
    assert nearest_slugs(client) == ["kyiv-podil"]


def test_a_database_made_by_create_all_is_upgraded_and_keeps_its_rows(empty_app):
    app = empty_app
    db.create_all()  # as every earlier version did
    add_rows()
    before = counts()
    shape = schema_dump()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["init-db"])

    assert first.exit_code == 0, first.output
    assert "recorded at the baseline revision 0001; its rows are kept" in first.output
    assert version() == [HEAD]
    assert counts() == before
    assert schema_dump() == shape
    client = app.test_client()
    assert nearest_slugs(client)[:2] == ["kyiv-podil", "lviv-centre"]
    user = db.session.scalar(select(User))
    assert user.check_password("a long enough password")

    second = runner.invoke(args=["init-db"])

    assert second.exit_code == 0, second.output
    assert "recorded at the baseline" not in second.output
    assert version() == [HEAD]
    assert counts() == before
    assert schema_dump() == shape


def test_db_upgrade_does_what_init_db_does(empty_app):
    app = empty_app
    db.create_all()
    add_rows()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert version() == [HEAD]
    assert counts()["office"] == 3


def test_downgrade_to_nothing_and_up_again(empty_app):
    app = empty_app
    init_db(app)
    shape = schema_dump()
    runner = app.test_cli_runner()

    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert schema_dump() == {}
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert schema_dump() == shape


def test_init_db_refuses_models_that_no_revision_describes(empty_app):
    app = empty_app
    probe = Table("model_without_revision", db.metadata, Column("id", Integer, primary_key=True))
    try:
        result = app.test_cli_runner().invoke(args=["init-db"])
    finally:
        db.metadata.remove(probe)

    assert result.exit_code == 1
    assert "model_without_revision" in result.output
    assert "does not match the models" in result.output
    assert "Database ready" not in result.output

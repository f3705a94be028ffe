"""Migrations (migrations/, Flask-Migrate): they build the models' schema, the very one
`db.create_all()` builds (spatial index included), and `flask init-db` brings a database made
by create_all before there were migrations up to date without losing a row.

Each test gets an empty database of its own: a SQLite file, or with LOCATOR_TEST_DB=postgresql
a fresh PostgreSQL database (this is where CI checks that models and migrations agree on both).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Column, Integer, MetaData, Table, func, select, table
from werkzeug.security import generate_password_hash

from locator import create_app, schema
from locator.config import ROOT
from locator.extensions import db
from locator.models import Office, User, spatial_index_drop_ddl
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
    """Every table's columns, the indexes, constraints and triggers, as the database describes
    them (column order aside: a column a revision adds comes last, create_all puts it in place)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return _sqlite_schema(conn)
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
            **{("column", t, c): tuple(rest) for t, c, *rest in columns},
            **{("index", name): sql for name, sql in indexes},
            **{("constraint", t, name): sql for t, name, sql in constraints},
        }


def _sqlite_schema(conn) -> dict:
    dump = {}
    objects = conn.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
        " WHERE name NOT LIKE '%alembic_version%'"
    ).all()
    for kind, name, owner, sql in objects:
        if kind == "table" and not sql.startswith("CREATE VIRTUAL"):
            dump[("table", name)] = _constraint_clauses(sql)
            for column, *rest in conn.exec_driver_sql(
                'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', (name,)
            ):
                dump[("column", name, column)] = tuple(rest)
            for row in conn.exec_driver_sql(
                'SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?)',
                (name,),
            ):
                dump[("foreign key", name, *row)] = True
        elif kind == "index":
            columns = tuple(
                row[0]
                for row in conn.exec_driver_sql("SELECT name FROM pragma_index_info(?)", (name,))
            )
            # A UNIQUE constraint's own index is numbered in the order of the constraints.
            key = ("index", name) if sql else ("unique constraint index", owner, columns)
            dump[key] = (owner, columns, sql and " ".join(sql.split()))
        else:  # the triggers, the R*Tree
            dump[(kind, name)] = " ".join(sql.split())
    return dump


def _constraint_clauses(sql: str) -> frozenset[str]:
    """The named constraints of a CREATE TABLE (`CONSTRAINT uq_office_slug UNIQUE (slug)`)."""
    return frozenset(" ".join(c.split()) for c in re.findall(r"CONSTRAINT [^,]+?\)", sql))


def old_database() -> None:
    """A database as every version before the migrations left it: what db.create_all() made
    of the models of the time, which is the baseline revision (no alembic_version). While the
    baseline is the newest revision that is literally create_all; once later revisions change
    the models, the baseline revision builds it (test 2 proved them equal when it was written)."""
    if HEAD == schema.BASELINE:
        db.create_all()
        return
    config = current_app.extensions["migrate"].migrate.get_config()
    command.upgrade(config, schema.BASELINE)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")


def insert(conn, table_name: str, **values) -> None:
    """A row written as earlier code would have: every column the table has then, required
    ones filled by type (the models of today may have columns that table does not)."""
    table = Table(table_name, MetaData(), autoload_with=conn)
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        python_type = column.type.python_type
        if python_type is str:
            values[column.name] = ""
        elif python_type is bool:
            values[column.name] = False
        elif python_type in (int, float):
            values[column.name] = 0
        elif python_type is datetime:
            values[column.name] = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
        elif python_type is date:
            values[column.name] = date(2025, 1, 2)
        else:  # JSON
            values[column.name] = []
    conn.execute(table.insert().values(**values))


def add_old_rows() -> None:
    with db.engine.begin() as conn:
        insert(
            conn, "office", slug="kyiv-podil", name="Kyiv Podil", lat=50.46, lon=30.51,
            address="вул. Сагайдачного, 25",
        )  # fmt: skip
        insert(
            conn, "office", slug="lviv-centre", name="Lviv Centre", lat=49.84, lon=24.03,
            address="вул. Городоцька, 36",
        )  # fmt: skip
        insert(conn, "office", slug="phone-only", name="Phone only", active=True)
        # A hotline placed on the map at its organisation's city, with no address (seed data
        # before revision 0005 had such rows)
        insert(conn, "office", slug="hotline", name="Hotline", lat=50.45, lon=30.52, address="")
        conn.exec_driver_sql("UPDATE office SET active = TRUE, country = 'UA'")
        insert(conn, "statement", slug="s", title="Заява", body_md="Текст", lang="uk")
        insert(
            conn,
            "user_account",
            email="coordinator@example.org",
            password_hash=generate_password_hash("a long enough password"),
            session_token="token",
            is_enabled=True,
        )
        insert(conn, "volunteer", name="Ірина", email="iryna@example.org", public_id="v1")


def nearest_slugs(client) -> list[str]:
    body = client.get("/api/v1/offices/nearest?lat=50.45&lon=30.52").get_json()
    return [hit["office"]["slug"] for hit in body["results"]]


def add_rows() -> None:
    """Rows through today's models (on a database at the head)."""
    db.session.add_all(
        [
            Office(slug="kyiv-podil", name="Kyiv Podil", city="Київ", lat=50.46, lon=30.51),
            Office(slug="lviv-centre", name="Lviv Centre", city="Львів", lat=49.84, lon=24.03),
            Office(slug="phone-only", name="Phone only", city="Київ"),
        ]
    )
    db.session.commit()


def counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            name: conn.scalar(select(func.count()).select_from(table(name)))
            for name in ("office", "statement", "user_account", "volunteer")
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
    old_database()
    add_old_rows()
    before = counts()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["init-db"])

    assert first.exit_code == 0, first.output
    assert "recorded at the baseline revision 0001; its rows are kept" in first.output
    assert version() == [HEAD]
    assert counts() == before
    shape = schema_dump()
    client = app.test_client()
    assert nearest_slugs(client) == ["kyiv-podil", "lviv-centre"]
    # Revision 0005: what has no coordinates or no address is remote help for its country
    kinds = {o.slug: (o.kind, o.serves, o.lat) for o in db.session.scalars(select(Office))}
    assert kinds == {
        "kyiv-podil": ("room", "", 50.46),
        "lviv-centre": ("room", "", 49.84),
        "phone-only": ("remote", "UA", None),
        "hotline": ("remote", "UA", 50.45),  # its coordinates kept, never ranked
    }
    remote = client.get("/api/v1/offices/nearest?lat=50.45&lon=30.52").get_json()["remote"]
    assert [o["slug"] for o in remote] == ["hotline", "phone-only"]
    user = db.session.scalar(select(User))
    assert user.check_password("a long enough password")
    db.session.remove()

    second = runner.invoke(args=["init-db"])

    assert second.exit_code == 0, second.output
    assert "recorded at the baseline" not in second.output
    assert version() == [HEAD]
    assert counts() == before
    assert schema_dump() == shape


def test_a_database_made_by_todays_create_all_is_recorded_at_the_head(empty_app):
    """create_all of the current models (a test fixture, an app that ran it) already has every
    revision's tables: it is recorded at the head, not replayed from the baseline."""
    app = empty_app
    db.create_all()
    add_rows()
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=["create-admin", "c@example.org", "--password-stdin"], input="a long enough password\n"
    )

    assert result.exit_code == 0, result.output
    assert "recorded at the newest revision" in result.output
    assert version() == [HEAD]
    assert nearest_slugs(app.test_client())[:2] == ["kyiv-podil", "lviv-centre"]


def test_db_upgrade_does_what_init_db_does(empty_app):
    app = empty_app
    old_database()
    add_old_rows()
    before = counts()

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert version() == [HEAD]
    assert counts() == before


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


def test_every_migration_run_makes_a_lost_spatial_index_again(empty_app):
    """On SQLite a revision that alters `office` copies the table, losing the R*Tree's
    triggers; env.py makes the spatial index again after every run."""
    app = empty_app
    init_db(app)
    shape = schema_dump()
    with db.engine.begin() as conn:
        for statement in spatial_index_drop_ddl(conn.dialect.name):
            conn.exec_driver_sql(statement)
    assert schema_dump() != shape

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert schema_dump() == shape
    add_rows()
    assert nearest_slugs(app.test_client())[:2] == ["kyiv-podil", "lviv-centre"]

"""The database schema: the migrations in migrations/ (Flask-Migrate / Alembic) bring any
database to the shape of the models.

`flask init-db` and `flask db upgrade` run them; nothing runs them when the app starts
(several app servers start at once: a deployment upgrades once, before starting them).
A database made by `db.create_all()` before there were migrations (tables, no
`alembic_version`) is recorded as being at the baseline, which is the schema create_all made,
and upgraded from there: its rows stay.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import click
import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

import locator
from locator.extensions import db
from locator.models import SPATIAL_NAMES

BASELINE = "0001"  # migrations/versions/0001_baseline.py: the schema of db.create_all() then
VERSION_TABLE = "alembic_version"


def import_all_models() -> None:
    """Import locator/models.py and every area's models.py, so that the metadata holds
    every table (create_app imports them through the blueprints; this does not rely on it)."""
    importlib.import_module("locator.models")
    for module in pkgutil.iter_modules(locator.__path__):
        if module.ispkg and importlib.util.find_spec(f"locator.{module.name}.models"):
            importlib.import_module(f"locator.{module.name}.models")


def include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """What autogenerate compares: everything but the spatial index (SQLite's R*Tree with
    its shadow tables, PostgreSQL's GiST index), which the models do not describe."""
    if name is None:
        return True
    return not any(name == n or name.startswith(f"{n}_") for n in SPATIAL_NAMES)


def adopt_unversioned(connection: Connection, script: ScriptDirectory) -> str | None:
    """A database made by create_all before the migrations: record it at the baseline, or
    at the head when it already is the models' schema (made by today's create_all: the
    revisions after the baseline would create what it has).

    Returns the revision it recorded (None when the database has a history or no tables).
    Commits, so that the migrations start on a clean connection."""
    tables = set(inspect(connection).get_table_names())
    adopted = None
    if VERSION_TABLE not in tables and "office" in tables:
        import_all_models()
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        current = not compare_metadata(context, db.metadata)
        adopted = "heads" if current else BASELINE
        context.stamp(script, adopted)
    connection.commit()
    return adopted


def _script() -> ScriptDirectory:
    directory = current_app.extensions["migrate"].directory
    return ScriptDirectory.from_config(
        current_app.extensions["migrate"].migrate.get_config(directory)
    )


def at_head() -> bool:
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == set(_script().get_heads())


def upgrade() -> None:
    """Bring the database to the newest revision (nothing to do when it is there)."""
    if not at_head():
        flask_migrate.upgrade()


def differences() -> list:
    """What differs between the database and the models (alembic's compare_metadata)."""
    import_all_models()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        return compare_metadata(context, db.metadata)


def upgrade_and_check() -> None:
    """`flask init-db`: upgrade, then stop with the list if the database still differs from
    the models (a model changed without a revision, or a database older than the baseline)."""
    upgrade()
    found = differences()
    if found:
        for diff in found:
            click.echo(f"  {diff}", err=True)
        raise click.ClickException(
            "the database does not match the models after the migrations (listed above): "
            "a model changed without a revision (see CONTRIBUTING.md, Migrations), or the "
            "database is older than the baseline revision"
        )

"""Alembic's environment, run by every `flask db …` command and by `flask init-db`.

The database is the app's (DATABASE_URL); the target is the metadata of every model
(locator/models.py and each area's models.py). The spatial index that is not in the
metadata (SQLite R*Tree, PostgreSQL GiST) is left out of comparisons; a database made by
create_all before the migrations is recorded at the baseline first (locator/schema.py).
"""

import logging
from logging.config import fileConfig

import click
from alembic import context
from flask import current_app
from sqlalchemy import inspect

from locator import schema
from locator.models import spatial_index_ddl

config = context.config
# From the command line, alembic.ini's logging; under a test runner or an app that set up
# logging already, leave it as it is.
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

schema.import_all_models()
target_db = current_app.extensions["migrate"].db
target_metadata = target_db.metadata


def run_migrations_offline() -> None:
    """`flask db upgrade --sql`: print the SQL instead of running it."""
    context.configure(
        url=target_db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        include_name=schema.include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(_context, _revision, directives):
        # `flask db migrate` with no change in the models writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("include_name", schema.include_name)

    with target_db.engine.connect() as connection:
        adopted = schema.adopt_unversioned(connection, context.script)
        if adopted:
            where = (
                f"the baseline revision {schema.BASELINE}"
                if adopted == schema.BASELINE
                else "the newest revision (it already has the models' schema)"
            )
            click.echo(
                f"A database without migration history (made by create_all): recorded at "
                f"{where}; its rows are kept.",
                err=True,
            )
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            # On SQLite a revision that alters or drops a column of `office` copies the table,
            # and the R*Tree's triggers go with the old one: make the spatial index again
            # (each statement is a no-op when its object exists).
            if "office" in inspect(connection).get_table_names():
                for statement in spatial_index_ddl(connection.dialect.name):
                    connection.exec_driver_sql(statement)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""`flask statements import PATH` and the seed loader."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from locator import geo, schema
from locator.config import ROOT
from locator.extensions import db
from locator.statements.services import ImportResult, import_path

SEED_DIR = ROOT / "seed_data" / "statements"

cli = AppGroup("statements", help="Statements: import from Markdown files or site pages.")


def report(result: ImportResult) -> None:
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(
        f"Statements: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {len(result.errors)} with errors."
    )


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_command(path: Path) -> None:
    """Import a Markdown file with front matter, a folder of them, or a site page (.txt)."""
    schema.upgrade()
    result = import_path(db.session, geo.current(), path)
    db.session.commit()
    report(result)
    if result.errors:
        sys.exit(1)


def seed_statements() -> ImportResult:
    """Called by `flask seed`: the demo statements; a second run changes nothing."""
    result = import_path(db.session, geo.current(), SEED_DIR)
    db.session.commit()
    report(result)
    return result

"""`flask volunteers export|purge`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from locator import clock, mail
from locator.extensions import db
from locator.volunteers import services
from locator.volunteers.csvexport import write_csv

cli = AppGroup("volunteers", help="Volunteers' sign-ups.")


@cli.command("export")
@click.option(
    "-o", "--output", default="-", show_default=True, help="CSV file to write; - for stdout."
)
def export_command(output: str) -> None:
    """Write every volunteer as CSV (formula-like cells neutralised)."""
    rows = services.filtered(db.session, services.Filter())
    if output == "-":
        count = write_csv(sys.stdout, services.VOLUNTEER_COLUMNS, rows)
    else:
        with open(output, "w", newline="", encoding="utf-8") as fh:
            count = write_csv(fh, services.VOLUNTEER_COLUMNS, rows)
    click.echo(f"{count} volunteer(s) exported.", err=True)


@cli.command("purge")
def purge_command() -> None:
    """Delete sign-ups unconfirmed for 30 days and old sent mails (run daily from cron)."""
    counts = services.purge(db.session, now=clock.now, mailer=mail.current())
    click.echo(
        f"Deleted {counts['volunteers']} unconfirmed sign-up(s) and {counts['mails']} old mail(s)."
    )

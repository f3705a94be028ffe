"""`flask volunteers export|purge` and `flask mail retry`."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from locator import clock
from locator.extensions import db
from locator.volunteers import mail, outbox, services
from locator.volunteers.csvexport import write_csv

volunteers_cli = AppGroup("volunteers", help="Volunteers' sign-ups.")
mail_cli = AppGroup("mail", help="The outgoing mail queue.")


@volunteers_cli.command("export")
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


@volunteers_cli.command("purge")
def purge_command() -> None:
    """Delete sign-ups unconfirmed for 30 days and old sent mails (run daily from cron)."""
    counts = services.purge(db.session, now=clock.now, mailer=mail.mailer())
    click.echo(
        f"Deleted {counts['volunteers']} unconfirmed sign-up(s) and {counts['mails']} old mail(s)."
    )


@mail_cli.command("retry")
def retry_command() -> None:
    """Send every pending or failed mail again (run every few minutes from cron)."""
    counts = outbox.retry(db.session, mail.mailer(), now=clock.now)
    click.echo(f"Sent {counts['sent']}, failed {counts['failed']}.")
    if counts["failed"]:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(volunteers_cli)
    app.cli.add_command(mail_cli)

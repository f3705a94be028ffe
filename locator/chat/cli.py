"""`flask chat purge`: delete conversations past the retention period (run daily from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from locator import clock
from locator.chat import services
from locator.extensions import db

cli = AppGroup("chat", help="The online consultation.")


@cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Keep this many days after the last activity (default: CHAT_RETENTION_DAYS, 30).",
)
def purge_command(days: int | None) -> None:
    """Delete conversations (messages, mailed transcripts) with no activity for N days."""
    if days is None:
        days = int(current_app.config["CHAT_RETENTION_DAYS"])
    gone = services.purge(db.session, now=clock.now(), days=days)
    click.echo(f"Deleted {gone} conversation(s) with no activity for {days} day(s).")

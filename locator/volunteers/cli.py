"""`flask volunteers export|purge` and `flask mail work|retry`."""

from __future__ import annotations

import signal
import sys
import threading

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


@mail_cli.command("work")
@click.option("--once", is_flag=True, help="Send the mail that is due, then exit (tests, cron).")
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.05, max=3600),
    help="Seconds between looks at the queue.",
)
def work_command(once: bool, interval: float) -> None:
    """Send queued mail: the mail sender, run beside the app servers (one or more, on any
    machine: each mail is sent once). Stops on SIGTERM or Ctrl-C after the mail it is
    sending; a second signal stops it at once."""
    if once:
        counts = mail.send_due()
        click.echo(f"Sent {counts['sent']}, failed {counts['failed']}.")
        if counts["failed"]:
            sys.exit(1)
        return
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        stop.set()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Mail sender: sending queued mail, looking every {interval:g} s.", err=True)
    try:
        mail.run_sender(
            stop,
            interval,
            report=lambda counts: click.echo(
                f"Sent {counts['sent']}, failed {counts['failed']}.", err=True
            ),
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Mail sender stopped.", err=True)


@mail_cli.command("retry")
def retry_command() -> None:
    """Send every pending or failed mail now, without waiting for its next try."""
    mailer = mail.mailer()
    lease = outbox.lease_for(mailer.settings.timeout)
    counts = outbox.retry(db.session, mailer, now=clock.now, lease=lease)
    click.echo(f"Sent {counts['sent']}, failed {counts['failed']}.")
    if counts["failed"]:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(volunteers_cli)
    app.cli.add_command(mail_cli)

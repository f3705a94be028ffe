"""`flask mail work|retry`: the mail sender and its manual retry."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

import click
from flask.cli import AppGroup

from locator import mail

cli = AppGroup("mail", help="The outgoing mail queue.")


def _echo_counts(counts: mail.Counts, *, err: bool = False) -> None:
    click.echo(f"Sent {counts['sent']}, failed {counts['failed']}.", err=err)


@cli.command("work")
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
        _echo_counts(counts)
        if counts["failed"]:
            sys.exit(1)
        return
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Mail sender: sending queued mail, looking every {interval:g} s.", err=True)
    try:
        mail.run_sender(stop, interval, report=lambda counts: _echo_counts(counts, err=True))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Mail sender stopped.", err=True)


@cli.command("retry")
def retry_command() -> None:
    """Send every pending or failed mail now, without waiting for its next try."""
    counts = mail.retry_all()
    _echo_counts(counts)
    if counts["failed"]:
        sys.exit(1)

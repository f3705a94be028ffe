"""Outgoing mail for every area: store first, send after.

An area only composes its messages (its own ``mail.py``: subject, text, HTML, in the
person's language) and hands them to this package:

- ``enqueue(session, message)`` adds the mail to the caller's transaction (the row of
  ``outgoing_mail`` is committed with the record it is about) and returns its id;
  ``discard(session, ids)`` deletes stored mails when the record they quote goes.
- the mail sender, ``flask mail work`` (``cli.py``; ``run_sender``/``send_due`` here), a
  process of its own beside the app servers, sends what is queued; ``flask mail retry``
  tries every failed mail now. No worker that serves pages talks to the mail server.
- ``current()`` is the app's ``Mailer`` (SMTP with Flask-Mail's setting names, or .eml
  files in instance/outbox/ without MAIL_SERVER), set up by ``init_app`` in create_app.

Inside: ``mailer.py`` (sending one message; no Flask), ``models.py`` (``OutgoingMail``,
``MailAllowance``), ``outbox.py`` (the queue, the sender's loop, retries, the per-address
cap; plain functions on a session), ``cli.py`` (the ``flask mail`` group).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy.orm import Session

from locator import clock
from locator.extensions import db
from locator.mail import outbox
from locator.mail.mailer import Mailer, MailError, MailSettings, Message
from locator.mail.models import MailAllowance, OutgoingMail
from locator.mail.outbox import Counts

__all__ = [
    "Counts",
    "MailAllowance",
    "MailError",
    "Mailer",
    "Message",
    "OutgoingMail",
    "address_key",
    "current",
    "discard",
    "enqueue",
    "init_app",
    "retry_all",
    "run_sender",
    "send_due",
]

EXTENSION = "locator.mailer"


class AppMailer(Mailer):
    """The app's mailer: reads the MAIL_* settings when it sends, so a changed config
    (tests, an admin reconfiguring) takes effect without rebuilding anything."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        super().__init__(self.settings, now=clock.system_now)

    @property
    def settings(self) -> MailSettings:
        return MailSettings.from_config(self._app.config, self._app.instance_path)


def init_app(app: Flask) -> None:
    """`app.extensions["locator.mailer"]`: the mailer every area sends through."""
    app.extensions[EXTENSION] = AppMailer(app)


def current() -> Mailer:
    """The current app's mailer."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if EXTENSION not in app.extensions:  # a test removed it to rebuild it
        init_app(app)
    mailer: Mailer = app.extensions[EXTENSION]
    return mailer


# --- what the areas call ----------------------------------------------------------------


def enqueue(session: Session, message: Message) -> int:
    """Queue ``message`` in the caller's transaction (the caller commits; the mail sender
    sends it once committed) and return the stored mail's id."""
    mail = outbox.queue(session, message, now=clock.now())
    session.flush()
    return mail.id


def discard(session: Session, ids: Iterable[int | None]) -> int:
    """Delete the stored mails with these ids (``None``s are skipped), sent or not: a mail
    that quotes a record goes with it. The caller commits."""
    return outbox.forget_ids(session, [mail_id for mail_id in ids if mail_id])


def address_key(address: str) -> str:
    """The per-address mail cap's key for `address`: a hash keyed with SECRET_KEY."""
    return outbox.address_key(current_app.config["SECRET_KEY"], address)


# --- the mail sender --------------------------------------------------------------------


def _session() -> Session:
    """This thread's session (Flask-SQLAlchemy's ``db.session`` is a proxy to it)."""
    return db.session()


def _lease(mailer: Mailer) -> timedelta:
    return outbox.lease_for(mailer.settings.timeout)


def send_due(stop: threading.Event | None = None) -> Counts:
    """Send every queued mail that is due, then return (`flask mail work --once`)."""
    mailer = current()
    return outbox.work_once(_session(), mailer, now=clock.now, lease=_lease(mailer), stop=stop)


def run_sender(
    stop: threading.Event,
    interval: float = 1.0,
    report: Callable[[Counts], None] | None = None,
) -> None:
    """The mail sender (`flask mail work`): sends queued mail until `stop` is set. Needs
    an app context; runs in a process (or a thread) of its own, never in a page's worker."""
    mailer = current()
    try:
        outbox.work(
            _session(),
            mailer,
            now=clock.now,
            stop=stop,
            interval=interval,
            lease=_lease(mailer),
            report=report,
        )
    finally:
        db.session.remove()


def retry_all() -> Counts:
    """Send every pending or failed mail now, without waiting for its next try
    (`flask mail retry`)."""
    mailer = current()
    return outbox.retry(_session(), mailer, now=clock.now, lease=_lease(mailer))

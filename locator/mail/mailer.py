"""Outgoing mail: SMTP with Flask-Mail's setting names, or .eml files in an outbox folder.

Built on smtplib and email.message rather than Flask-Mail because Flask-Mail 0.10 opens
its SMTP connection with no timeout (a stalled server would hang the request or the
worker forever), needs an application context to send, and has no file outbox. This
module imports nothing from Flask: services receive a ``Mailer`` as a collaborator.

Error messages never carry addresses: a failure is described by ``MailError.reason``,
the class name of what went wrong, which is safe to store and to log.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 10.0


class MailError(Exception):
    """Sending failed; ``reason`` names the underlying error class (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MailSettings:
    server: str | None = None
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    default_sender: str = "Help Locator <noreply@localhost>"
    timeout: float = DEFAULT_TIMEOUT
    outbox: Path = Path("instance/outbox")

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], instance_path: str | os.PathLike[str]
    ) -> MailSettings:
        """Read Flask-Mail's names (MAIL_SERVER, MAIL_PORT, …) from an app config."""
        sender = config.get("MAIL_DEFAULT_SENDER") or cls.default_sender
        if isinstance(sender, tuple | list):  # Flask-Mail accepts ("Name", "addr")
            sender = f"{sender[0]} <{sender[1]}>"
        return cls(
            server=(config.get("MAIL_SERVER") or None),
            port=int(config.get("MAIL_PORT") or (465 if _flag(config.get("MAIL_USE_SSL")) else 25)),
            use_tls=_flag(config.get("MAIL_USE_TLS")),
            use_ssl=_flag(config.get("MAIL_USE_SSL")),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            default_sender=sender,
            timeout=float(config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT),
            outbox=Path(config.get("MAIL_OUTBOX_DIR") or Path(instance_path) / "outbox"),
        )


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str | None = None
    sender: str | None = None
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def outbox_key(address: str) -> str:
    """How every outbox file to `address` begins: a withdrawal finds them without opening
    each, and the address itself is not in the folder listing."""
    address = parseaddr(address)[1] or address
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


class Mailer:
    """Sends ``Message``s by SMTP, or writes them to the outbox when no server is set."""

    def __init__(self, settings: MailSettings, now: Callable[[], datetime] | None = None) -> None:
        self._settings = settings
        self._now = now or _utcnow

    @property
    def settings(self) -> MailSettings:
        return self._settings

    @property
    def uses_outbox(self) -> bool:
        return not self.settings.server

    def build(self, message: Message) -> EmailMessage:
        for value in (message.to, message.subject, message.sender or "", message.reply_to or ""):
            if "\r" in value or "\n" in value:
                raise ValueError("line break in a mail header")
        sender = message.sender or self.settings.default_sender
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = message.to
        msg["Subject"] = message.subject
        msg["Date"] = format_datetime(self._now())
        # make_msgid() without a domain calls getfqdn(), which can take seconds.
        domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
        msg["Message-ID"] = make_msgid(domain=domain)
        msg["Auto-Submitted"] = "auto-generated"
        if message.reply_to:
            msg["Reply-To"] = message.reply_to
        for name, value in message.headers.items():
            msg[name] = value
        msg.set_content(message.text)
        if message.html:
            msg.add_alternative(message.html, subtype="html")
        return msg

    def send(self, message: Message) -> None:
        """Deliver one message; raise ``MailError`` on any delivery failure."""
        msg = self.build(message)
        server = self.settings.server
        if server:
            self._send_smtp(msg, server)
        else:
            self._write_outbox(msg, message.to)

    def forget(self, address: str) -> int:
        """Delete every outbox file to `address` (the person withdrew); how many went."""
        gone = 0
        for path in self.settings.outbox.glob(f"{outbox_key(address)}-*.eml"):
            path.unlink(missing_ok=True)
            gone += 1
        return gone

    def purge_outbox(self, before: datetime) -> int:
        """Delete outbox files written before `before`; how many went."""
        gone = 0
        for path in self.settings.outbox.glob("*.eml"):
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < before:
                path.unlink(missing_ok=True)
                gone += 1
        return gone

    def _write_outbox(self, msg: EmailMessage, to: str) -> Path:
        outbox = self.settings.outbox
        try:
            outbox.mkdir(parents=True, exist_ok=True)
            name = f"{outbox_key(to)}-{self._now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
            # Write then rename, so a reader never sees half a message.
            fd, tmp = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(msg.as_bytes())
            path = outbox / name
            os.replace(tmp, path)
        except OSError as exc:
            raise MailError(type(exc).__name__) from exc
        return path

    def _send_smtp(self, msg: EmailMessage, server: str) -> None:
        s = self.settings
        # Loading the CA store costs milliseconds: only when TLS is used.
        context = ssl.create_default_context() if (s.use_ssl or s.use_tls) else None
        smtp: smtplib.SMTP
        try:
            if s.use_ssl:
                smtp = smtplib.SMTP_SSL(server, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(server, s.port, timeout=s.timeout)
            try:
                if s.use_tls and not s.use_ssl:
                    smtp.starttls(context=context)
                if s.username:
                    smtp.login(s.username, s.password or "")
                smtp.send_message(msg)
            except BaseException:
                smtp.close()  # no QUIT: a stalled server would cost another timeout
                raise
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()  # the message was accepted; a lost goodbye is harmless
        except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
            raise MailError(type(exc).__name__) from exc

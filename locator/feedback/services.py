"""Questions and error reports: checks and storage. No flask.request here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from locator.feedback.models import REPORT_STATUSES, ErrorReport, Question

# Limits, stated on the forms and enforced by them (and by the columns' checks here).
NAME_MAX = 100
CONTACT_MAX = 254
REGION_MAX = 100
QUESTION_MIN = 10
QUESTION_MAX = 3000
URL_MAX = 500
SELECTION_MAX = 1000
CONTEXT_MAX = 2000
COMMENT_MAX = 2000

OFFICE_FIELDS = ("name", "address", "phone", "email", "website", "opening_hours", "other")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidContact(ValueError):
    pass


def classify_contact(text: str, default_region: str = "UA") -> tuple[str, str]:
    """("email", normalised address) or ("phone", +E.164); InvalidContact otherwise."""
    value = " ".join((text or "").split())
    if not value or len(value) > CONTACT_MAX:
        raise InvalidContact(value)
    if "@" in value:
        try:
            checked = validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            raise InvalidContact(value) from None
        return "email", checked.normalized
    if not re.fullmatch(r"[+\d\s().\-]{5,30}", value):
        raise InvalidContact(value)
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidContact(value) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact(value)
    return "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_text(text: str | None) -> str:
    """Control characters out (they break logs and CSV exports), line ends kept."""
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n")).strip()


def local_path(raw: str | None, site_url: str, request_host: str = "") -> str | None:
    """The path (and query) of a page of this site, or None for anything else."""
    value = (raw or "").strip()
    if not value or len(value) > URL_MAX or _CONTROL.search(value) or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        site = urlsplit(site_url)
        hosts = {site.netloc.lower(), request_host.lower()} - {""}
        if parts.scheme not in ("http", "https") or parts.netloc.lower() not in hosts:
            return None
        value = parts.path or "/"
        if parts.query:
            value += "?" + parts.query
    if not value.startswith("/") or value.startswith("//"):
        return None
    return without_location(value)


PRIVATE_PARAMS = {"lat", "lon", "csrf_token"}


def without_location(path: str) -> str:
    """The visitor's position is used for the search, never stored or shared."""
    if "?" not in path:
        return path
    base, query = path.split("?", 1)
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in PRIVATE_PARAMS]
    return base + ("?" + urlencode(pairs) if pairs else "")


def create_question(
    session: Session,
    *,
    name: str,
    contact: str,
    region: str,
    topic: str,
    text: str,
    lang: str,
) -> Question:
    kind, normalised = classify_contact(contact)
    question = Question(
        name=clean_text(name),
        contact=normalised,
        contact_kind=kind,
        region=clean_text(region),
        topic=topic,
        text=clean_text(text),
        lang=lang,
    )
    session.add(question)
    session.flush()
    return question


def create_report(
    session: Session,
    *,
    url: str,
    selection: str,
    context: str,
    comment: str,
    lang: str,
    office_slug: str = "",
    field: str = "",
) -> ErrorReport:
    report = ErrorReport(
        url=url,
        selection=clean_text(selection),
        context=clean_text(context),
        comment=clean_text(comment),
        office_slug=office_slug or "",
        field=field or "",
        lang=lang,
    )
    session.add(report)
    session.flush()
    return report


def set_report_status(report: ErrorReport, status: str) -> None:
    if status not in REPORT_STATUSES:
        raise ValueError(status)
    report.status = status


def mark_answered(question: Question, answered: bool, now: datetime) -> None:
    question.status = "answered" if answered else "new"
    question.answered_at = now if answered else None


SendMail = Callable[..., object]  # send_mail(to, subject, text, html)


def share_links(url: str, title: str) -> list[tuple[str, str]]:
    """(network, link) pairs: plain links, no third-party scripts on our pages."""

    def q(text: str) -> str:
        return quote(text, safe="")

    both = q(f"{title} {url}")
    return [
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={q(url)}"),
        ("Telegram", f"https://t.me/share/url?url={q(url)}&text={q(title)}"),
        ("Viber", f"viber://forward?text={both}"),
        ("WhatsApp", f"https://wa.me/?text={both}"),
        ("X", f"https://x.com/intent/post?url={q(url)}&text={q(title)}"),
        ("e-mail", f"mailto:?subject={q(title)}&body={q(url)}"),
    ]

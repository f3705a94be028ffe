"""Helpers for the volunteers' tests: forms are posted the way a browser posts them,
with the CSRF token read from the page."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from locator.extensions import db
from locator.models import User

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_LINK = re.compile(r"https?://[^\s<>\"']+/volunteer/(confirm|withdraw)/[A-Za-z0-9_.\-]+[^\s<>\"']*")


class ClosingClient(FlaskClient):
    """A test client that reads and closes each response before it returns, as a server
    does once the last byte is written: work the app defers to that moment has run when
    the call returns. `buffered=False` keeps it open."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


class FreshContextClient(ClosingClient):
    """A test client whose every request gets its own app context, as under a server.

    The `app` fixture keeps an app context pushed for the whole test, and Flask reuses
    it for the client's requests: `g` (Flask-Login's cached user, Flask-WTF's cached
    CSRF token) and the database session would then leak from one request to the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def signup_data(**overrides) -> dict:
    data = {
        "name": "Олена Петренко",
        "email": "Olena.Petrenko@example.org",
        "phone": "050 123 45 67",
        "city": "Київ",
        "skills": ["legal", "translation"],
        "languages": "українська, англійська",
        "availability": "вечорами у будні",
        "message": "Маю досвід у сімейному праві.",
        "consent": "y",
        "website_url": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_form(client, url: str, data: dict, *, with_csrf: bool = True, **kwargs):
    page = client.get(url, **kwargs)
    assert page.status_code == 200
    if with_csrf:
        data = {**data, "csrf_token": csrf_token(page.get_data(as_text=True))}
    return client.post(url, data=data, **kwargs)


def sign_up(client, **overrides):
    return post_form(client, "/volunteer", signup_data(**overrides))


def send_queued_mail(client_or_app) -> str:
    """Run the mail sender once (`flask mail work --once`), as the deployment's sender does
    beside the app: requests only queue mail. Returns the command's output."""
    app = getattr(client_or_app, "application", client_or_app)
    result = app.test_cli_runner().invoke(args=["mail", "work", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def links(message) -> dict[str, str]:
    """The confirm and withdraw links in an e-mail's plain-text part, as paths."""
    text = message.get_body(("plain",)).get_content()
    found = {}
    for match in _LINK.finditer(text):
        parts = urlsplit(unescape(match.group(0)))
        found[match.group(1)] = parts.path + (f"?{parts.query}" if parts.query else "")
    return found


ADMIN_EMAIL = "coordinator@example.org"
ADMIN_PASSWORD = "correct horse 42"


def make_admin(email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD):
    user = User(email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def log_in(client, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD):
    return post_form(client, "/admin/login", {"email": email, "password": password})


def sign_in(client, email: str = ADMIN_EMAIL):
    """A new coordinator account, signed in on `client` through the real login form."""
    make_admin(email)
    assert log_in(client, email=email).status_code == 302
    return client

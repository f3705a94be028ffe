"""Fixtures: each test gets an app with an empty database of its own.

SQLite (a file per test) by default; PostgreSQL with LOCATOR_TEST_DB=postgresql — a fresh
database per run on 127.0.0.1:5432, created here and dropped at the end, emptied between tests.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from flask import g, request_started
from sqlalchemy import text

from locator import create_app
from locator.extensions import db, limiter
from locator.geo.gazetteer import Gazetteer
from locator.models import Office
from tests.servers import serving
from tests.volunteers_helpers import ClosingClient, FreshContextClient, sign_in

pytest_plugins = ["tests.fixtures_smtp"]

KYIV = ZoneInfo("Europe/Kyiv")
PG_ADMIN_URL = os.environ.get("LOCATOR_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


class FakeClock:
    """A clock the test sets. Default: Wednesday 2026-11-25, 11:00 in Kyiv."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 25, 11, 0, tzinfo=KYIV)

    def __call__(self) -> datetime:
        return self.moment.astimezone(UTC)

    def set(self, *args, tz: ZoneInfo = KYIV) -> None:
        self.moment = datetime(*args, tzinfo=tz)


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer()


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this run, or None when testing on SQLite."""
    if os.environ.get("LOCATOR_TEST_DB", "sqlite") != "postgresql":
        yield None
        return
    name = f"locator_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app_config(tmp_path, postgres_url, gazetteer, clock) -> dict:
    """Settings for the test app; tests may change them before using `app`."""
    url = postgres_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SITE_URL": "http://localhost",
        "GEOCODER": "",
        "GAZETTEER": gazetteer,
        "CLOCK": clock,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "",
    }


def _fresh_g(sender, **extra) -> None:
    g.__dict__.clear()


@pytest.fixture
def app(app_config, postgres_url):
    app = create_app(app_config)
    app.test_client_class = ClosingClient
    # Requests reuse the app context the test holds open (Flask pushes a new one only when
    # none is active), so `g` would carry the page language, the signed-in user, the CSP
    # nonce … from one request into the next. Each request starts with a fresh `g`, as in
    # production.
    request_started.connect(_fresh_g, app)
    with app.app_context():
        if postgres_url:
            db.create_all()
            tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            # As on SQLite, a database made by create_all: no migration history (a command
            # that ran the migrations in an earlier test recorded one).
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        else:
            db.create_all()
        limiter.reset()
        yield app
        db.session.remove()
        # Close the pool's connections: open ones would pile up on the server and be
        # reported as ResourceWarnings (errors under filterwarnings).
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_port(app):
    """The test's app behind werkzeug's threaded server (each request in its own thread);
    yields the port. Afterwards the request threads' connections are awaited and closed."""
    with serving(app) as port:
        yield port
    db.session.remove()
    deadline = time.monotonic() + 10
    while db.engine.pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.05)
    db.engine.dispose()


@pytest.fixture
def coordinator(client):
    """The test client, signed in as a coordinator (ADMIN_EMAIL) through the login form."""
    return sign_in(client)


@pytest.fixture
def coordinator_apart(app):
    """A coordinator on a client of its own whose every request gets its own app context, as
    under a server: for tests with several people at once (the chat's visitor and experts)."""
    app.test_client_class = FreshContextClient
    return sign_in(app.test_client())


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = iter(range(1, 10**9))


@pytest.fixture
def make_office(app):
    """Create and commit an office; keyword arguments override the defaults."""

    def make(**fields) -> Office:
        n = next(_counter)
        values = {
            "slug": f"office-{n}",
            "name": f"Office {n}",
            "organization": "Test NGO",
            "address": f"Test street {n}",
            "city": "Київ",
            "country": "UA",
            "lat": 50.45,
            "lon": 30.52,
            "phone": "+380 44 555 00 00",
            "opening_hours": "Mo-Fr 09:00-18:00",
            "languages": "uk;en",
            "categories": "family;housing",
        }
        values.update(fields)
        office = Office(**values)
        db.session.add(office)
        db.session.commit()
        return office

    return make


SEED_PAGE = Path("shared") / "seeds" / "000_d0c3c7243400b25e.txt"


@pytest.fixture(scope="session")
def shared_seed() -> Path:
    """The network's real page (SPEC's shared/seeds/), which the repository does not hold: it
    is found beside the clone or beside its folder of worktrees. Without it the tests that
    read it are skipped, naming the file; in CI (CI=true), where shared/ is laid beside the
    clone, its absence is a failure. tests/data/statements/page_en.txt, written for the tests
    in the same form, keeps that form tested on any clone."""
    repo = Path(__file__).resolve().parents[1]
    for folder in repo.parents:
        if (folder / SEED_PAGE).is_file():
            return folder / SEED_PAGE
    reason = f"needs {SEED_PAGE}, a file outside the repository, beside {repo} or a folder above"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)

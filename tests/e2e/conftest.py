"""Browser tests: the seeded app on a loopback port, driven by Debian's Chromium.

Only 127.0.0.1 is reachable from the page: any other request is aborted and recorded,
so a test can assert that nothing was asked of another host (tiles included)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from locator import create_app, mail
from locator.cli import seed
from locator.extensions import db
from tests.e2e.browsing import close_context
from tests.servers import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, gazetteer):
    """The seeded app (SQLite) served by werkzeug on a free loopback port."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "GAZETTEER": gazetteer,
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": "",
            # A tile server that does not exist: the map must work without tiles.
            "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        }
    )
    with app.app_context():
        db.create_all()
        app.test_cli_runner().invoke(seed)
    with serving(app) as port:
        # The mail sender beside the server, as `make run` starts it (here in a thread).
        stop_sender = threading.Event()

        def send_mail() -> None:
            with app.app_context():
                mail.run_sender(stop_sender, interval=0.1)

        sender = threading.Thread(target=send_mail, daemon=True)
        sender.start()
        app.config["LIVE_URL"] = f"http://127.0.0.1:{port}"
        yield app
        stop_sender.set()
        sender.join(10)


@pytest.fixture(scope="session")
def live_url(live_app) -> str:
    return live_app.config["LIVE_URL"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        # A failure, never a skip: CI and `make test` must not pass without the browser suite.
        pytest.fail(
            "Debian's chromium is required at /usr/bin/chromium: "
            "run scripts/setup-machine.sh as root (or apt-get install chromium)"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="uk-UA")
    context.foreign_requests = []

    def only_loopback(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            context.foreign_requests.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    yield context
    close_context(context)


@pytest.fixture
def page(context):
    """A page that records JavaScript errors in `page.js_errors`."""
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            page.js_errors.append(msg.text)
            if msg.type == "error"
            and "ERR_FAILED" not in msg.text
            # the tiles: no tile server listens there (the map must work without them)
            and not msg.location.get("url", "").startswith("http://127.0.0.1:9/")
            else None
        ),
    )
    return page

"""A visitor and a coordinator talk live in two Chromium contexts, under gunicorn.

Two gunicorn servers share one database and Redis (with a channel prefix of this run),
like two app servers behind a load balancer: the visitor's (two gthread workers) and the
coordinator's (one). Every message therefore crosses processes on its way to the other
side's open event stream. Polling and heartbeats are slowed down to 30 s, so a message
that shows up within seconds came through Redis pub/sub.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from locator import create_app
from locator.extensions import db
from locator.models import User
from tests.e2e.browsing import close_context
from tests.servers import Gunicorn

EMAIL, PASSWORD = "chat.coordinator@example.org", "correct horse 42"
LIVE = 8_000  # ms: what "live" must mean here (polling is 30 s)


@pytest.fixture(scope="module")
def servers(tmp_path_factory, gazetteer):
    folder = tmp_path_factory.mktemp("chat")
    database = f"sqlite:///{folder / 'chat.sqlite3'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "SECRET_KEY": "e2e-chat",
            "INSTANCE_PATH": str(folder / "instance"),
            "GAZETTEER": gazetteer,
        }
    )
    with app.app_context():
        db.create_all()
        user = User(email=EMAIL)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        db.engine.dispose()
    env = {
        "DATABASE_URL": database,
        "SECRET_KEY": "e2e-chat",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "CHAT_REDIS_PREFIX": f"locator-e2e-{uuid.uuid4().hex}:",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": "false",
        "CHAT_HOURS": "24/7",
        "CHAT_POLL_SECONDS": "30",
        "CHAT_HEARTBEAT_SECONDS": "30",
        "MAIL_SERVER": "",
        "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
    }
    quiet = ("--log-level", "info", "--access-logfile", "/dev/null")
    visitor_side = Gunicorn(env, folder / "visitor.log", workers=2, args=quiet).start()
    coordinator_side = Gunicorn(env, folder / "coordinator.log", workers=1, args=quiet).start()
    yield visitor_side, coordinator_side
    visitor_side.stop()
    coordinator_side.stop()


def loopback_only(context) -> None:
    def route(route):
        if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)


@pytest.fixture
def two(browser):
    """(visitor page, coordinator page), each in its own browser context."""
    contexts = [browser.new_context(locale="en-GB") for _ in range(2)]
    pages = []
    for context in contexts:
        loopback_only(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc, page=page: page.js_errors.append(str(exc)))
        pages.append(page)
    yield pages
    for context in contexts:
        close_context(context)


def sign_in(page, base: str) -> None:
    page.goto(base + "/admin/login?lang=en")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")


def say(page, text: str) -> None:
    """Type and send with the keyboard only."""
    box = page.get_by_label("Your message")
    box.focus()
    page.keyboard.type(text)
    page.keyboard.press("Tab")  # to the Send button
    page.keyboard.press("Enter")
    expect(box).to_have_value("")


def messages(page) -> list[str]:
    return page.locator("[data-chat-log] .chat-text").all_inner_texts()


def test_a_visitor_and_a_coordinator_talk_live_across_processes(servers, two):
    visitor_server, coordinator_server = servers
    visitor_url, coordinator_url = visitor_server.url, coordinator_server.url
    visitor, coordinator = two
    sign_in(coordinator, coordinator_url)
    coordinator.goto(coordinator_url + "/admin/chat?lang=en")
    expect(coordinator.get_by_text("Nobody is waiting.")).to_be_visible()

    visitor.goto(visitor_url + "/chat?lang=en")
    visitor.get_by_label("Your name (optional)").fill("Olena <b>")
    visitor.get_by_label("Topic (optional)").select_option("housing")
    visitor.get_by_role("button", name="Start a chat").click()
    visitor.wait_for_url(re.compile(r"/chat/[A-Za-z0-9_-]{43}$"))
    expect(visitor.locator("[data-chat-state]")).to_contain_text("you are next")
    say(visitor, "My landlord wants me out by Friday.")

    # The queue page learns of the visitor without a reload, and says so in the title.
    row = coordinator.locator("[data-chat-waiting]")
    expect(row).to_contain_text("Olena <b>", timeout=LIVE)
    expect(coordinator).to_have_title(re.compile(r"^\(1\) "))
    coordinator.get_by_role("button", name=re.compile("^Take")).click()
    coordinator.wait_for_url(re.compile(r"/admin/chat/\d+$"))
    assert messages(coordinator) == ["My landlord wants me out by Friday."]

    expect(visitor.locator("[data-chat-state]")).to_contain_text(
        "An expert of the network is answering you.", timeout=LIVE
    )
    say(coordinator, "Do you have a written lease?")
    expect(visitor.locator("[data-chat-log] .chat-text").last).to_have_text(
        "Do you have a written lease?", timeout=LIVE
    )
    say(visitor, "Yes, for two years.")
    expect(coordinator.locator("[data-chat-log] .chat-text").last).to_have_text(
        "Yes, for two years.", timeout=LIVE
    )
    assert (
        messages(visitor)
        == messages(coordinator)
        == [
            "My landlord wants me out by Friday.",
            "Do you have a written lease?",
            "Yes, for two years.",
        ]
    )
    assert visitor.locator(".chat-message.is-mine").count() == 2

    # The visitor's app server goes down (its stream drops) and comes back; a message sent
    # meanwhile arrives once, through the browser's reconnect with Last-Event-ID.
    visitor_server.stop()
    expect(visitor.locator("[data-chat-connection]")).to_be_visible(timeout=LIVE)
    say(coordinator, "It is 14 days' notice at least.")
    visitor_server.start()  # on the same port
    expect(visitor.locator("[data-chat-log] .chat-text").last).to_have_text(
        "It is 14 days' notice at least.", timeout=LIVE
    )
    expect(visitor.locator("[data-chat-connection]")).to_be_hidden(timeout=LIVE)
    time.sleep(1)
    assert messages(visitor).count("It is 14 days' notice at least.") == 1
    assert len(messages(visitor)) == 4

    coordinator.get_by_role("button", name="Close the conversation").click()
    # The coordinator's page reloads closed.
    expect(coordinator.locator("[data-chat-state]")).to_have_class(re.compile(r"\bis-closed\b"))
    expect(coordinator.get_by_role("button", name="Close the conversation")).to_have_count(0)
    expect(visitor.locator("[data-chat-state]")).to_have_text(
        "The conversation is closed.", timeout=LIVE
    )
    expect(visitor.get_by_label("Your message")).to_be_disabled()
    assert visitor.js_errors == [] and coordinator.js_errors == []


def test_the_chat_pages_have_no_serious_accessibility_violation(servers, two):
    visitor_url, coordinator_url = (server.url for server in servers)
    visitor, coordinator = two
    axe = Axe()
    sign_in(coordinator, coordinator_url)
    checked = []
    for lang in ("uk", "en"):
        visitor.goto(f"{visitor_url}/chat?lang={lang}")
        checked.append((visitor, axe.run(visitor)))
        visitor.locator("form[action='/chat'] button[type=submit]").click()
        visitor.wait_for_url(re.compile(r"/chat/[A-Za-z0-9_-]{43}"))
        visitor.locator("#text").fill("Питання")
        visitor.locator("[data-chat-form] button[type=submit]").click()
        expect(visitor.locator(".chat-message")).to_have_count(1)
        checked.append((visitor, axe.run(visitor)))
        coordinator.goto(f"{coordinator_url}/admin/chat?lang={lang}")
        checked.append((coordinator, axe.run(coordinator)))
        coordinator.locator("[data-chat-waiting] a").first.click()
        coordinator.wait_for_url(re.compile(r"/admin/chat/\d+"))
        checked.append((coordinator, axe.run(coordinator)))
    blocking = [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}"
        for page, results in checked
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert blocking == []

"""The site when the connection drops, in Chromium: pages seen stay readable, saved offices
and hotlines are on the offline page, forms keep what was typed, nothing personal is kept,
and a new deployment replaces the old files."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from locator import create_app
from locator.config import ROOT
from locator.extensions import db
from locator.feedback.models import Question
from locator.models import Office
from tests.e2e.offline_helpers import PAGES, controlled, until, wait_saved
from tests.servers import serving

KYIV = "/offices?near=" + quote("Київ")


def saved_urls(page) -> list[str]:
    return page.evaluate(
        "async (name) => (await (await caches.open(name)).keys()).map(r => r.url)", PAGES
    )


def expected_state(live_app, slug: str) -> str:
    with live_app.app_context():
        office = db.session.scalar(select(Office).where(Office.slug == slug))
        result = office.hours_status(datetime.now(UTC))
    return "is-open" if result.open else "is-closed" if result.open is False else "is-unknown"


def test_pages_seen_and_offices_saved_stay_readable_offline(page, context, live_app, live_url):
    results = live_url + KYIV
    page.goto(results)
    controlled(page)
    wait_saved(page, results)  # the first page, loaded before the worker, is saved too
    page.get_by_role("button", name="Зберегти ці приймальні для перегляду без інтернету").click()
    assert "збережено на цьому пристрої" in page.locator("[data-save-status]").inner_text()
    slugs = page.locator(".office-list > li, [data-remote-help] .remote-item").evaluate_all(
        "items => items.map(i => i.dataset.slug)"
    )
    rooms = page.locator(".office-list > li").count()
    assert "kyiv-hotline-24" in slugs and rooms < len(slugs)  # the rooms and the remote help
    first = page.locator(".office-list .office-name a").first
    name = first.inner_text()
    first.click()
    office_url = page.url
    wait_saved(page, office_url)

    context.set_offline(True)
    page.reload()
    assert page.locator("h1").inner_text() == name
    note = page.locator("[data-saved-note]")
    assert note.is_visible()
    assert "Збережено" in note.inner_text() and "може бути застарілою" in note.inner_text()
    page.goto(results)
    assert page.locator(".office-list > li").count() == rooms
    assert page.locator("[data-saved-note]").is_visible()

    # A page never opened: the offline page, with what was saved.
    page.goto(live_url + "/statements")
    assert page.locator("h1").inner_text() == "Без з’єднання"
    assert page.locator("[data-not-saved]").is_visible()
    saved = page.locator("[data-saved-offices] li")
    assert saved.count() == len(slugs)
    podil = saved.filter(has_text="Громадська приймальня на Подолі")
    assert podil.locator("a[href^='tel:']").get_attribute("href") == "tel:+380445550123"
    assert "вул. Сагайдачного, 25" in podil.inner_text()
    state = podil.locator(".open-state")
    assert expected_state(live_app, "kyiv-podil-legal-aid") in state.get_attribute("class")
    assert state.inner_text().startswith(("Зараз відчинено", "Зараз зачинено"))
    # The hotline, the chat's hours, the remote help of the place searched.
    phone = page.locator("section[aria-labelledby=offline-phone]")
    hotline = phone.locator("li").filter(has_text="Цілодобова правова гаряча лінія")
    assert hotline.locator(".open-state").inner_text() == "Зараз відчинено"  # 24/7
    assert "10:00–13:00" in page.locator("section[aria-labelledby=offline-chat]").inner_text()
    area = page.locator("section[aria-labelledby=offline-area]")
    assert area.is_visible()
    assert "Київ" in area.locator("h2").inner_text()
    assert "Цілодобова правова гаряча лінія" in area.inner_text()  # Kyiv's remote help
    # The pages this device keeps are listed by their titles.
    assert page.locator("[data-saved-pages] li").count() == 2

    # Opened from the home screen (start_url "/"), never visited: the offline page.
    page.goto(live_url + "/")
    assert page.locator("h1").inner_text() == "Без з’єднання"
    assert page.locator("[data-saved-offices] li").count() == len(slugs)
    assert page.js_errors == []


def test_a_saved_office_can_be_removed(page, context, live_url):
    page.goto(live_url + "/offices/kyiv-podil-legal-aid?lang=en")
    controlled(page)
    page.get_by_role("button", name="Save this office for offline use").click()
    page.goto(live_url + "/offline?lang=en")
    saved = page.locator("[data-saved-offices] li")
    assert saved.count() == 1
    saved.get_by_role("button", name="Remove").click()
    assert saved.count() == 0
    page.reload()
    assert page.locator("[data-saved-offices] [data-empty]").is_visible()


def test_a_form_offline_says_it_needs_a_connection_and_keeps_the_text(
    page, context, live_app, live_url
):
    ask = live_url + "/ask?lang=en"
    page.goto(ask)
    controlled(page)
    wait_saved(page, ask)

    context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    note = page.locator("main .offline-form-note")
    assert "This form needs a connection" in note.inner_text()
    page.get_by_label("Your name").fill("Оксана")
    page.get_by_label("Your question").fill("Чи можна оскаржити штраф? offline-draft-7731")
    page.get_by_role("button", name="Send the question").click()
    assert "Not sent: there is no connection" in note.inner_text()
    assert page.get_by_label("Your question").input_value().endswith("offline-draft-7731")

    page.reload()  # offline: the saved copy, and the draft put back into it
    assert page.get_by_label("Your name").input_value() == "Оксана"
    assert page.get_by_label("Your question").input_value().endswith("offline-draft-7731")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.get_by_label("E-mail or phone").fill("oksana@example.org")
    page.get_by_role("button", name="Send the question").click()
    page.wait_for_load_state()
    with live_app.app_context():
        sent = db.session.scalar(select(Question).where(Question.name == "Оксана"))
    assert sent is not None and sent.text.endswith("offline-draft-7731")
    # Sent: the draft is gone, and no page this device keeps holds the question.
    page.goto(ask)
    assert page.get_by_label("Your question").input_value() == ""
    bodies = page.evaluate(
        "async (name) => { const c = await caches.open(name);"
        " return Promise.all((await c.keys()).map(async k => (await c.match(k)).text())); }",
        PAGES,
    )
    assert bodies and not any("offline-draft-7731" in body or "oksana@" in body for body in bodies)


def test_a_form_lost_on_the_way_is_not_sent_and_kept(page, context, live_url):
    """The browser thinks it is online, but the request never arrives (a weak signal)."""
    ask = live_url + "/ask?lang=en"
    page.goto(ask)
    controlled(page)
    page.get_by_label("Your name").fill("Петро")
    page.get_by_label("E-mail or phone").fill("petro@example.org")
    page.get_by_label("Your question").fill("Як оформити субсидію? lost-on-the-way-5120")
    context.route(
        "**/ask*",
        lambda route: route.abort() if route.request.method == "POST" else route.fallback(),
    )
    page.get_by_role("button", name="Send the question").click()
    assert page.locator("h1").inner_text() == "Not sent: there is no connection"
    page.get_by_role("link", name="Back to the form").click()
    # The draft was marked sent; the worker's note that it was not comes back from the cache.
    expect(page.get_by_label("Your name")).to_have_value("Петро")
    expect(page.get_by_label("Your question")).to_have_value(re.compile("lost-on-the-way-5120$"))


def test_nothing_personal_is_kept(page, live_url):
    page.goto(live_url + "/?lang=en")
    controlled(page)
    page.goto(live_url + "/admin/login")
    page.goto(live_url + "/volunteer/confirm/not-a-real-token")
    page.goto(live_url + "/offices/kyiv-podil-legal-aid")
    wait_saved(page, live_url + "/offices/kyiv-podil-legal-aid")
    paths = [url[len(live_url) :] for url in saved_urls(page)]
    assert "/offices/kyiv-podil-legal-aid" in paths
    assert not [p for p in paths if p.startswith(("/admin", "/volunteer/confirm", "/chat", "/api"))]


# --- a new deployment --------------------------------------------------------------


class Swappable:
    """One server on one port (one origin for the worker), whose app can be replaced."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def deployment(live_app, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(ROOT / "static", static, ignore=shutil.ignore_patterns("*.ttf"))
    config = {
        "SECRET_KEY": "deploy-secret",
        "SQLALCHEMY_DATABASE_URI": live_app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "GAZETTEER": live_app.config["GAZETTEER"],
        "RATELIMIT_ENABLED": False,
        "TILE_URL": live_app.config["TILE_URL"],
        "STATIC_FOLDER": str(static),
    }
    wsgi = Swappable(create_app(config))

    def deploy(css: str):
        (static / "css" / "site.css").write_text((static / "css" / "site.css").read_text() + css)
        wsgi.app = create_app(config)

    with serving(wsgi) as port:
        yield f"http://127.0.0.1:{port}", deploy


def shell_caches(page) -> list[str]:
    return [k for k in page.evaluate("caches.keys()") if ":shell-" in k]


def test_a_new_deployment_is_served_and_replaces_the_old_files(page, context, deployment):
    url, deploy = deployment
    page.goto(url + "/offices/kyiv-podil-legal-aid")
    controlled(page)
    old_shell = shell_caches(page)
    assert len(old_shell) == 1
    brand = page.locator(".brand")
    assert brand.evaluate("e => getComputedStyle(e).letterSpacing") == "normal"

    deploy("\n.brand { letter-spacing: 3px; }\n")
    page.reload()
    assert brand.evaluate("e => getComputedStyle(e).letterSpacing") == "3px"
    # The browser noticed the new worker; once it is active, only the new files are kept.
    until(
        page,
        "async (old) => { const keys = (await caches.keys()).filter(k => k.includes(':shell-'));"
        " return keys.length === 1 && keys[0] !== old; }",
        old_shell[0],
    )
    context.set_offline(True)
    page.reload()
    assert brand.evaluate("e => getComputedStyle(e).letterSpacing") == "3px"
    assert page.locator("[data-saved-note]").is_visible()

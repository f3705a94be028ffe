"""A volunteer signs up, confirms and withdraws in a real browser (mail in the outbox,
written there by the mail sender running beside the server)."""

from __future__ import annotations

import email
import email.policy
import time
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from locator.extensions import db
from locator.volunteers.models import Volunteer


def newest_mail(outbox: Path, before: set[Path], timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = set(outbox.glob("*.eml")) - before
        if new:
            [path] = new
            return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        time.sleep(0.1)
    raise AssertionError("no mail written to the outbox")


def stored(live_app, address: str) -> Volunteer | None:
    with live_app.app_context():
        return db.session.scalar(select(Volunteer).where(Volunteer.email == address))


def test_sign_up_confirm_and_withdraw(page, live_app, live_url):
    outbox = Path(live_app.instance_path) / "outbox"
    before = set(outbox.glob("*.eml"))

    page.goto(live_url + "/volunteer?lang=en")
    page.get_by_label("Your name").fill("Browser Volunteer")
    page.get_by_label("E-mail").fill("browser.volunteer@example.org")
    page.get_by_label("Phone").fill("050 123 45 67")
    page.get_by_label("City or town").fill("Lviv")
    page.get_by_label("Translation").check()
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/volunteer/thanks")
    assert "check your e-mail" in page.locator("h1").inner_text().lower()

    volunteer = stored(live_app, "browser.volunteer@example.org")
    assert volunteer is not None and volunteer.status == "new"
    assert volunteer.office_id is not None  # the nearest seeded office, in or near Lviv

    message = newest_mail(outbox, before)
    html = message.get_body(("html",)).get_content()
    page.set_content(html.replace("http://127.0.0.1:5000", live_url))
    page.get_by_role("link", name="Confirm my sign-up").click()
    page.wait_for_url("**/volunteer/confirm/**")
    assert "confirmed" in page.locator("h1").inner_text()
    assert stored(live_app, "browser.volunteer@example.org").status == "confirmed"

    page.set_content(html.replace("http://127.0.0.1:5000", live_url))
    page.get_by_role("link", name="Withdraw and delete my data").click()
    page.get_by_role("button", name="Delete my data").click()
    page.wait_for_url("**/volunteer/withdrawn")
    assert stored(live_app, "browser.volunteer@example.org") is None
    assert page.js_errors == []


def test_errors_are_announced_and_the_form_is_accessible(page, live_url):
    page.goto(live_url + "/volunteer?lang=en")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_selector("#name-error")
    name = page.get_by_label("Your name")
    assert name.get_attribute("aria-invalid") == "true"
    assert "name-error" in name.get_attribute("aria-describedby")
    assert "Please enter your name." in page.locator("#name-error").inner_text()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

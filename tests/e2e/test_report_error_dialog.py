"""The error-report dialog as a reader uses it: select text, Ctrl+Enter, comment, send."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from locator.extensions import db
from locator.feedback.models import ErrorReport
from tests.e2e.browsing import close_context

STATEMENT = "/statements/rights-if-detained?lang=en"
SELECT_JS = """([selector, words]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(words);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + words.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return true;
    }
  }
  return false;
}"""
WORDS = "remain silent until one comes"


def script_errors(page) -> list[str]:
    """JavaScript errors; the map tiles' failed loads (no tile server in tests) are not."""
    return [e for e in page.js_errors if "Failed to load resource" not in e]


def reports_for(live_app, url: str) -> list[ErrorReport]:
    with live_app.app_context():
        return list(db.session.scalars(select(ErrorReport).where(ErrorReport.url == url)))


def dialog_open(page) -> bool:
    return page.evaluate("document.getElementById('report-error-dialog').open")


def test_ctrl_enter_opens_the_dialog_which_sends_the_report(page, live_url, live_app):
    page.goto(live_url + STATEMENT)
    assert page.evaluate(SELECT_JS, [".statement-body", WORDS])

    page.keyboard.press("Control+Enter")

    dialog = page.locator("#report-error-dialog")
    dialog.wait_for(state="visible")
    assert page.get_by_role("dialog", name="Report an error").is_visible()
    assert page.input_value("#report-error-selection") == WORDS
    context = page.input_value("#report-error-dialog input[name=context]")
    assert "you have the right to a lawyer from the first hour" in context
    assert page.evaluate("document.activeElement.id") == "report-error-comment"

    # Tab stays inside the dialog.
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.getElementById('report-error-dialog').contains(document.activeElement)"
        )

    # Esc closes it; Ctrl+Enter opens it again.
    page.keyboard.press("Escape")
    assert not dialog_open(page)
    page.evaluate(SELECT_JS, [".statement-body", WORDS])
    page.keyboard.press("Control+Enter")
    dialog.wait_for(state="visible")

    page.fill("#report-error-comment", "Should say: until the lawyer arrives.")
    page.click("#report-error-dialog button[type=submit]")
    expect(page.locator("[data-report-error-message]")).to_contain_text("Thank you!")

    [report] = reports_for(live_app, STATEMENT.replace("?lang=en", "") + "?lang=en")
    assert report.selection == WORDS
    assert report.comment == "Should say: until the lawyer arrives."
    assert script_errors(page) == []


def test_ctrl_enter_without_a_selection_does_nothing(page, live_url):
    page.goto(live_url + STATEMENT)
    page.keyboard.press("Control+Enter")
    assert not dialog_open(page)


def test_on_a_phone_a_button_appears_over_the_selection(browser, live_url, live_app):
    context = browser.new_context(
        viewport={"width": 390, "height": 800}, has_touch=True, is_mobile=True, locale="en-GB"
    )
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith("http://127.0.0.1") else route.abort()
        ),
    )
    page = context.new_page()
    page.goto(live_url + "/statements/online-consultations-chisinau-almaty?lang=en")
    page.evaluate(SELECT_JS, [".statement-body", "renew a passport"])

    button = page.locator(".report-floating")
    button.wait_for(state="visible")
    button.click()

    page.locator("#report-error-dialog").wait_for(state="visible")
    assert page.input_value("#report-error-selection") == "renew a passport"
    page.click("#report-error-dialog button[type=submit]")
    expect(page.locator("[data-report-error-message]")).to_contain_text("Thank you!")
    assert reports_for(live_app, "/statements/online-consultations-chisinau-almaty?lang=en")
    close_context(context)


def test_the_report_link_works_without_javascript(browser, live_url, live_app):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url + "/statements?lang=en")
    page.click("a.report-error-link")
    page.wait_for_url(lambda url: "/report-error?url=" in url)
    page.fill("#comment", "A typo in the list of statements.")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/statements?lang=en"))
    assert "Thank you!" in page.locator(".flashes").inner_text()
    assert reports_for(live_app, "/statements?lang=en")
    close_context(context)


def test_the_open_dialog_passes_axe(page, live_url):
    page.goto(live_url + STATEMENT)
    page.evaluate(SELECT_JS, [".statement-body", WORDS])
    page.keyboard.press("Control+Enter")
    page.locator("#report-error-dialog").wait_for(state="visible")

    results = Axe().run(page, context="#report-error-dialog")

    assert results.violations_count == 0, results.generate_report()


def test_the_help_blocks_pass_axe(page, live_url):
    page.goto(live_url + "/statements?lang=en")
    results = Axe().run(page, context=".help-blocks")
    assert results.violations_count == 0, results.generate_report()


def test_the_chat_status_is_refreshed_from_the_api(page, live_url):
    page.route(
        "**/api/v1/chat/status",
        lambda route: route.fulfill(
            json={
                "open": False,
                "hours": "Mo-Su 10:00-13:00,14:00-16:00",
                "timezone": "Europe/Kyiv",
                "next_change": "2099-01-01T10:00:00+02:00",
            }
        ),
    )
    page.goto(live_url + "/statements?lang=en")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    status = page.locator(".help-blocks [data-chat-status]")
    expect(status).to_have_text(
        "The online consultation is closed now. Opens at Thursday 10:00.", use_inner_text=True
    )
    assert "is-closed" in status.get_attribute("class")
    assert script_errors(page) == []


def test_the_help_near_a_place_has_a_small_map(page, live_url):
    page.goto(live_url + "/statements/online-consultations-chisinau-almaty?lang=en")
    first = page.locator(".help-near-map .locator-map").first
    first.wait_for(state="visible")
    assert first.locator(".leaflet-marker-icon, .leaflet-marker-pane *").count() > 0
    assert script_errors(page) == []

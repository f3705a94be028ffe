"""axe-core on every public page, in Ukrainian and English: no violation of any impact."""

from __future__ import annotations

from importlib.util import find_spec

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.offline_helpers import controlled, wait_saved

LANGS = ("uk", "en")
# (area package, path). Pages of areas whose package is not in this checkout yet (the
# chat) join the list when the area lands on main.
PAGES = (
    ("offices", "/"),
    ("offices", "/offices?near=Київ"),
    ("offices", "/offices?near=Вигаданівка, Одеська обл."),  # the fallback note
    ("offices", "/offices?near=Миколаївка"),  # namesakes
    ("offices", "/offices/kyiv-podil-legal-aid"),
    ("maps", "/map"),
    ("maps", "/embed/map"),
    ("volunteers", "/volunteer"),
    ("volunteers", "/join"),
    ("volunteers", "/support"),
    ("volunteers", "/privacy"),
    ("feedback", "/ask"),
    ("feedback", "/report-error?url=/"),
    ("poster", "/poster"),
    ("statements", "/statements"),
    ("offline", "/offline"),
    ("chat", "/chat"),
)


def _present(area: str) -> bool:
    return find_spec(f"locator.{area}") is not None


CHECKED = [(a, p) for a, p in PAGES if _present(a)]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("area", "path"), CHECKED, ids=[p for _, p in CHECKED])
def test_page_has_no_accessibility_violation(page, live_url, axe, area, path, lang):
    separator = "&" if "?" in path else "?"
    response = page.goto(f"{live_url}{path}{separator}lang={lang}")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    if page.locator(".leaflet-container").count():
        # Check the drawn map: markers, popups' controls, clusters.
        page.locator(".leaflet-marker-icon").first.wait_for()
    results = axe.run(page)
    assert violations(results) == []


def violations(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_saved_offices_and_saved_copies_have_no_accessibility_violation(
    page, context, live_url, axe, lang
):
    results = f"{live_url}/offices?near=Київ&lang={lang}"
    page.goto(results)
    controlled(page)
    page.locator("[data-save-button]").click()
    page.locator("[data-save-status]").wait_for()
    assert violations(axe.run(page)) == []  # the button and its status line
    wait_saved(page, page.url)
    context.set_offline(True)
    page.reload()
    assert page.locator("[data-saved-note]").is_visible()
    assert violations(axe.run(page)) == []  # the saved copy with its line
    page.goto(f"{live_url}/offline?lang={lang}")
    page.locator("[data-saved-offices] li").first.wait_for()
    assert violations(axe.run(page)) == []

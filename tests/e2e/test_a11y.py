"""axe-core on every public page, in Ukrainian and English: no serious or critical violation."""

from __future__ import annotations

from importlib.util import find_spec

import pytest
from axe_playwright_python.sync_playwright import Axe

LANGS = ("uk", "en")
# (endpoint that must exist for the page to be checked, path). The first five are ours and
# always present; the others join as their areas land on main.
PAGES = (
    ("offices.index", "/"),
    ("offices.results", "/offices?near=Київ"),
    ("offices.results", "/offices?near=Вигаданівка, Одеська обл."),  # the fallback note
    ("offices.results", "/offices?near=Миколаївка"),  # namesakes
    ("offices.detail", "/offices/kyiv-podil-legal-aid"),
    ("maps.overview", "/map"),
    ("maps.embed", "/embed/map"),
    ("volunteers.signup", "/volunteer"),
    ("volunteers.join", "/join"),
    ("volunteers.support", "/support"),
    ("feedback.ask", "/ask"),
    ("posters.form", "/poster"),
    ("statements.index", "/statements"),
)
ALWAYS = {"offices.index", "offices.results", "offices.detail", "maps.overview", "maps.embed"}
BLOCKING = {"serious", "critical"}


def _present(endpoint: str) -> bool:
    """Pages of areas whose package is in this checkout (the rest land later)."""
    return endpoint in ALWAYS or find_spec(f"locator.{endpoint.split('.')[0]}") is not None


CHECKED = [(e, p) for e, p in PAGES if _present(e)]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("endpoint", "path"), CHECKED, ids=[p for _, p in CHECKED])
def test_page_has_no_serious_accessibility_violation(
    page, live_app, live_url, axe, endpoint, path, lang
):
    assert endpoint in live_app.view_functions
    separator = "&" if "?" in path else "?"
    response = page.goto(f"{live_url}{path}{separator}lang={lang}")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    if page.locator(".leaflet-container").count():
        # Check the drawn map: markers, popups' controls, clusters.
        page.locator(".leaflet-marker-icon").first.wait_for()
    results = axe.run(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    assert blocking == []

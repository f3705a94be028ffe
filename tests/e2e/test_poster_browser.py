"""The /poster page in Chromium: choose, preview, download; "use my location"."""

import io
from pathlib import Path

from pypdf import PdfReader

from tests.e2e.browsing import close_context


def test_choose_a_place_see_the_preview_and_download(page, live_url):
    page.goto(live_url + "/poster")
    page.select_option("form.poster-form select[name=language]", "en")
    page.check("form.poster-form input[name=size][value=A3]")
    page.fill("form.poster-form input[name=near]", "Львів")
    page.click("form.poster-form button[type=submit]")
    page.wait_for_url("**/poster?*near=*")
    preview = page.locator(".poster-preview img")
    preview.scroll_into_view_if_needed()
    natural = "() => document.querySelector('.poster-preview img').naturalHeight"
    for _ in range(100):  # (wait_for_function would need 'unsafe-eval', which our CSP forbids)
        if page.evaluate(natural):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(natural) == 720
    # The three nearest rooms with their distance, then the remote help for the area.
    assert page.locator(".poster-offices li").filter(has_text=" km").count() == 3
    assert page.locator(".poster-offices li").count() > 3

    link = page.locator("a.poster-download")
    assert "A3" in link.inner_text()
    with page.expect_download() as download_info:
        link.click()
    reader = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert round(float(reader.pages[0].mediabox.width)) == 842
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Free legal consultation" in text and "Legal Help Locator" in text
    assert page.js_errors == []
    assert page.context.foreign_requests == []


def test_use_my_location_keeps_the_chosen_language_and_size(browser, live_url):
    context = browser.new_context(
        locale="uk-UA",
        geolocation={"latitude": 46.4825, "longitude": 30.7233},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_url + "/poster")
    page.select_option("form.poster-form select[name=language]", "en")
    page.check("form.poster-form input[name=size][value=A3]")
    page.click("#poster-locate [data-locate-button]")
    page.wait_for_url("**/poster?*lat=46.48250*")
    assert "language=en" in page.url and "size=A3" in page.url
    assert (
        "Одеса" in page.locator(".poster-offices").inner_text()
        or page.locator(".poster-offices li").filter(has_text=" km").count() == 3
    )
    assert (
        page.locator("a.poster-download")
        .get_attribute("href")
        .startswith("/poster.pdf?language=en&size=A3&lat=46.48250&lon=30.72330")
    )
    close_context(context)


def test_bad_place_shows_the_message_in_the_form(page, live_url):
    page.goto(live_url + "/poster")
    page.fill("form.poster-form input[name=near]", "Qwxzqwxz")
    page.click("form.poster-form button[type=submit]")
    alert = page.locator("[role=alert]").first
    assert "Qwxzqwxz" in alert.inner_text()
    assert page.locator("form.poster-form input[name=near]").input_value() == "Qwxzqwxz"

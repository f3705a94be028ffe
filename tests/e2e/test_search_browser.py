"""The search as a person uses it in a browser."""

from tests.e2e.browsing import close_context


def test_typing_a_city_lists_the_nearest_offices(page, live_url):
    page.goto(live_url + "/?lang=en")
    page.fill("#near-main", "Lviv")
    page.click("form.search-form button[type=submit]")
    page.wait_for_selector(".office-list .office-item")
    first = page.locator(".office-item").first
    assert "Lviv" in page.locator("h1").inner_text()
    assert first.locator(".distance").inner_text().endswith("km away")
    assert page.js_errors == []


def test_use_my_location_goes_to_the_nearest_offices(browser, live_url):
    context = browser.new_context(
        geolocation={"latitude": 46.4825, "longitude": 30.7233}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(live_url + "/?lang=en")
    page.click("[data-locate-button]")
    page.wait_for_url("**/offices?*lat=46.48250*")
    assert page.locator(".office-item").count() > 0
    assert "Одеса" in page.locator(".office-item").first.inner_text()
    close_context(context)


def test_refused_location_shows_a_message(browser, live_url):
    context = browser.new_context(permissions=[])
    page = context.new_page()
    page.goto(live_url + "/?lang=en")
    page.click("[data-locate-button]")
    message = page.locator("[data-locate-message]")
    message.wait_for(state="visible")
    assert "Type your city" in message.inner_text()
    close_context(context)


def test_an_unknown_village_shows_its_oblast_and_says_so(page, live_url):
    page.goto(live_url + "/?lang=en")
    page.fill("#near-main", "Вигаданівка, Одеська обл.")
    page.click("form.search-form button[type=submit]")
    note = page.locator(".origin-note.fallback[role=status]")
    note.wait_for(state="visible")
    assert note.inner_text() == (
        "We could not find “Вигаданівка”; showing help for Odesa Oblast, Ukraine."
    )
    assert "Odesa Oblast, Ukraine" in page.locator("h1").inner_text()
    assert page.js_errors == []


def test_a_namesake_is_one_click_away(page, live_url):
    page.goto(live_url + "/offices?near=Миколаїв&lang=en")
    link = page.locator("nav.did-you-mean a", has_text="Lviv Oblast")
    link.click()
    page.wait_for_url("**near=*Lviv*")
    assert "Mykolayiv, Lviv Oblast, Ukraine" in page.locator("h1").inner_text()
    assert page.js_errors == []


def test_sevastopol_shows_the_crimea_remote_help_before_any_room(page, live_url):
    page.goto(live_url + "/offices?near=Севастополь")
    remote = page.locator("[data-remote-help]")
    remote.wait_for(state="visible")
    first_item = remote.locator(".remote-item").first
    assert (
        first_item.locator(".office-name").inner_text() == "Онлайн-приймальня для мешканців Криму"
    )
    assert "Автономна Республіка Крим" in first_item.locator(".serves").inner_text()
    assert first_item.locator(".phone a").get_attribute("href") == "tel:+380445550789"
    # above the list of rooms on the screen, and the rooms are rooms only
    remote_box = remote.bounding_box()
    rooms_box = page.locator(".office-list").bounding_box()
    assert remote_box["y"] + remote_box["height"] <= rooms_box["y"]
    rooms = page.locator(".office-list .office-item .office-name").all_inner_texts()
    assert rooms and not any("приймальня для" in name.lower() for name in rooms)
    assert page.js_errors == []


def test_kyiv_lists_the_rooms_first_and_the_hotline_after(page, live_url):
    page.goto(live_url + "/offices?near=Kyiv&lang=en")
    page.wait_for_selector(".office-list .office-item")
    rooms_box = page.locator(".office-list").bounding_box()
    remote = page.locator("[data-remote-help]")
    assert "Remote help for Kyiv" in remote.locator("h2").inner_text()
    assert remote.bounding_box()["y"] > rooms_box["y"]
    assert page.js_errors == []

"""The help blocks on every page: the live chat status, the office search, volunteer,
poster and share links."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

PH_HOURS = "Mo-Su 10:00-13:00,14:00-16:00; PH off"


def help_block(client, url: str = "/?lang=en") -> str:
    html = client.get(url).get_data(as_text=True)
    block = html[html.index('<aside class="help-blocks') : html.index("</aside>")]
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


@pytest.mark.parametrize(
    ("moment", "hours", "status", "change"),
    [
        ((2026, 11, 25, 9, 30), None, "closed", "Opens at 10:00."),
        ((2026, 11, 25, 12, 0), None, "open", "Closes at 13:00."),
        ((2026, 11, 25, 13, 30), None, "closed", "Opens at 14:00."),
        ((2026, 11, 25, 15, 59), None, "open", "Closes at 16:00."),
        ((2026, 11, 25, 16, 0), None, "closed", "Opens on Thursday at 10:00."),
        # Independence Day, a public holiday in Ukraine: closed when the hours say "PH off".
        ((2026, 8, 24, 12, 0), PH_HOURS, "closed", "Opens on Tuesday at 10:00."),
        ((2026, 8, 24, 12, 0), None, "open", "Closes at 13:00."),
    ],
)
def test_chat_status_at_fixed_times(app, client, clock, moment, hours, status, change):
    if hours:
        app.config["CHAT_HOURS"] = hours
    clock.set(*moment)

    block = help_block(client)

    assert f"The online consultation is {status} now. {change}" in block
    assert "Chat hours: daily 10:00–13:00, 14:00–16:00" in block
    api = client.get("/api/v1/chat/status").json
    assert api["open"] is (status == "open")


def test_the_chat_status_is_in_ukrainian_by_default(client, clock):
    clock.set(2026, 11, 25, 16, 30)
    html = client.get("/").get_data(as_text=True)
    assert 'lang="uk"' in html
    assert "четвер, 10:00" in html  # the next opening, with the day in Ukrainian


def test_the_blocks_offer_every_way_to_help(client):
    block = help_block(client, "/statements?lang=en")
    for text in [
        "Need a consultation?",
        "Online",
        "Ask a question",
        "In an office",
        "City or address",
        "Become a volunteer",
        "Print the poster",
        "Share",
    ]:
        assert text in block
    html = client.get("/statements?lang=en").get_data(as_text=True)
    assert 'href="/ask"' in html and 'href="/volunteer"' in html and 'href="/poster"' in html
    assert 'action="/offices"' in html and 'name="near"' in html


def test_share_links_are_plain_links_to_the_current_page(client):
    html = client.get("/statements?language=en&lat=50.1&lon=30.2").get_data(as_text=True)
    url = quote("http://localhost/statements?language=en", safe="")
    assert f"https://www.facebook.com/sharer/sharer.php?u={url}" in html
    assert f"https://t.me/share/url?url={url}" in html
    assert "viber://forward?text=" in html and "https://wa.me/?text=" in html
    assert f"https://x.com/intent/post?url={url}" in html
    assert "mailto:?subject=" in html
    assert "50.1" not in html.split('class="share"')[1].split("</div>")[0]  # no position shared
    # The Web Share button is hidden until the script finds navigator.share.
    assert re.search(r"<button[^>]*data-share-button[^>]*hidden", html)
    # No third-party script anywhere on the page.
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert src.startswith("/static/")


def test_the_blocks_speak_ukrainian_by_default(client):
    html = client.get("/statements").get_data(as_text=True)
    assert "Знайшли помилку на сторінці? Виділіть текст і натисніть Ctrl+Enter." in html
    assert "Графік роботи чату:" in html
    assert "Знайшли своє рішення? Допоможіть іншим!" in html
    assert "Заяв ще не опубліковано." in html

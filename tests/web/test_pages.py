"""The public pages as a visitor sees them, with JavaScript off: search, results, office page,
not-found page, languages, and escaping of office text."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

XSS = "<script>alert(1)</script>"


def page(response) -> BeautifulSoup:
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text(element) -> str:
    return " ".join(element.get_text(" ").split())


def result_items(soup) -> list:
    return soup.select("ol.office-list > li.office-item")


@pytest.fixture
def kyiv_offices(make_office):
    """Three offices in Kyiv at known distances from the city centre, and one in Lviv."""
    return [
        make_office(
            slug="khreshchatyk",
            name="Приймальня на Хрещатику",
            address="вул. Хрещатик, 22",
            lat=50.4475,
            lon=30.5230,
            phone="+380 44 555 01 01",
            email="khreshchatyk@example.org",
            categories="family;housing",
        ),
        make_office(
            slug="podil",
            name="Приймальня на Подолі",
            address="вул. Сагайдачного, 25",
            lat=50.4650,
            lon=30.5170,
            phone="+380 44 555 02 02",
            opening_hours="Sa-Su 10:00-14:00",
            categories="labour",
        ),
        make_office(
            slug="obolon",
            name="Приймальня на Оболоні",
            address="просп. Оболонський, 1",
            lat=50.5100,
            lon=30.4980,
            categories="family",
        ),
        make_office(slug="lviv", name="Львівська приймальня", city="Львів", lat=49.84, lon=24.03),
    ]


# --- the home page -------------------------------------------------------------


def test_home_page_in_ukrainian_by_default(client):
    soup = page(client.get("/"))
    assert soup.html["lang"] == "uk"
    assert text(soup.h1) == "Безкоштовна юридична консультація поруч із вами"
    form = soup.select_one("main form[role=search]")
    assert form["method"] == "get"
    assert form["action"] == "/offices"
    field = form.select_one("input[name=near]")
    assert field["maxlength"] == "300"
    assert text(soup.find("label", attrs={"for": field["id"]})) == "Місто або адреса"
    assert text(soup.select_one("[data-locate-button]")) == "Використати моє місцезнаходження"
    assert soup.select_one("[data-locate]")["data-target"] == "/offices"
    # Without JavaScript the page tells how to search by location.
    assert "увімкніть JavaScript" in text(soup.select_one("[data-locate] noscript"))


def test_home_page_in_english(client):
    soup = page(client.get("/?lang=en"))
    assert soup.html["lang"] == "en"
    assert text(soup.h1) == "Free legal consultation near you"
    assert soup.select_one("main input[name=near]")["placeholder"] == "e.g. Kyiv, Lviv, Odesa"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


# --- results ---------------------------------------------------------------------


def test_results_list_nearest_first_with_distance_state_address_and_phone(client, kyiv_offices):
    response = client.get("/offices?near=Київ")
    assert response.status_code == 200
    soup = page(response)
    assert soup.html["lang"] == "uk"
    assert "Київ" in text(soup.h1)
    items = result_items(soup)
    assert [i["data-slug"] for i in items] == ["khreshchatyk", "podil", "obolon", "lviv"]
    first = items[0]
    link = first.select_one(".office-name a")
    assert text(link) == "Приймальня на Хрещатику"
    assert link["href"] == "/offices/khreshchatyk"
    assert text(first.select_one(".distance")) == "за 0,8 км"  # Ukrainian decimal comma
    assert text(first.select_one(".open-state")) == "Зараз відчинено"
    assert text(first.select_one(".address")) == "вул. Хрещатик, 22, Київ"
    phone = first.select_one(".phone a")
    assert phone["href"] == "tel:+380445550101"
    assert text(phone) == "+380 44 555 01 01"
    # Podil is open at weekends only; the default clock is a Wednesday.
    assert text(items[1].select_one(".open-state")) == "Зараз зачинено"
    assert text(items[3].select_one(".distance")) == "за 469 км"  # 469.005 km


def test_results_in_english(client, kyiv_offices):
    soup = page(client.get("/offices?near=Kyiv&lang=en"))
    assert soup.html["lang"] == "en"
    assert text(soup.h1) == "Consulting rooms near Kyiv, Ukraine"
    first = result_items(soup)[0]
    assert text(first.select_one(".distance")) == "0.8 km away"
    assert text(first.select_one(".open-state")) == "Open now"


def test_results_follow_the_clock(client, clock, kyiv_offices):
    clock.set(2026, 11, 28, 11, 0)  # Saturday
    items = result_items(page(client.get("/offices?near=Київ&lang=en")))
    states = {i["data-slug"]: text(i.select_one(".open-state")) for i in items}
    assert states["khreshchatyk"] == "Closed now"
    assert states["podil"] == "Open now"


def test_results_by_coordinates(client, kyiv_offices):
    soup = page(client.get("/offices?lat=49.84&lon=24.03&lang=en"))
    items = result_items(soup)
    assert items[0]["data-slug"] == "lviv"
    assert text(items[0].select_one(".distance")) == "0 km away"


def test_filters_on_the_results_page(client, kyiv_offices):
    soup = page(client.get("/offices?near=Київ&category=family&open_now=1"))
    assert [i["data-slug"] for i in result_items(soup)] == ["khreshchatyk", "obolon", "lviv"]
    soup = page(client.get("/offices?near=Київ&radius_km=5"))
    assert [i["data-slug"] for i in result_items(soup)] == ["khreshchatyk", "podil"]
    # The filter form keeps the place and shows the chosen filters.
    soup = page(client.get("/offices?near=Київ&category=labour&radius_km=10"))
    form = soup.select_one("form.filters")
    assert form.select_one("input[name=near]")["value"] == "Київ"
    assert form.select_one("select[name=category] option[selected]")["value"] == "labour"
    assert form.select_one("select[name=radius_km] option[selected]")["value"] == "10"


def test_no_office_within_the_filters_says_so(client, kyiv_offices):
    soup = page(client.get("/offices?near=Одеса&radius_km=5&lang=en"))
    assert result_items(soup) == []
    assert "No consulting room matches these filters" in text(soup.select_one(".empty"))


def test_a_phone_only_office_says_how_it_consults(client, make_office):
    make_office(slug="hotline", name="Гаряча лінія", address="", lat=50.45, lon=30.52)
    item = result_items(page(client.get("/offices?near=Київ")))[0]
    assert text(item.select_one(".address")) == "Київ — телефоном або онлайн"


def test_the_results_page_works_without_javascript(client, kyiv_offices):
    soup = page(client.get("/offices?near=Київ"))
    # Everything a visitor needs is in the HTML itself: with the scripts removed, the list,
    # its links and phone numbers are all still there.
    for script in soup.find_all("script"):
        script.decompose()
    items = result_items(soup)
    assert [i["data-slug"] for i in items] == ["khreshchatyk", "podil", "obolon", "lviv"]
    assert items[0].select_one(".office-name a")["href"] == "/offices/khreshchatyk"
    assert items[0].select_one(".phone a")["href"] == "tel:+380445550101"
    assert soup.select_one("form.filters")["method"] == "get"
    assert soup.select_one("form.filters")["action"] == "/offices"


# --- place not found and bad input -------------------------------------------------------


def test_not_found_page_offers_suggestions_that_work(client, kyiv_offices):
    response = client.get("/offices?near=Kyivv")
    assert response.status_code == 404
    soup = page(response)
    assert text(soup.h1) == "Ми не змогли знайти «Kyivv»"
    suggestions = soup.select("ul.suggestions a")
    assert "Київ, Україна" in [text(a) for a in suggestions]
    link = next(a["href"] for a in suggestions if text(a) == "Київ, Україна")
    followed = client.get(link)
    assert followed.status_code == 200
    assert result_items(page(followed))[0]["data-slug"] == "khreshchatyk"
    # The search box is there again, with what was typed.
    assert soup.select_one("main input[name=near]")["value"] == "Kyivv"


def test_not_found_page_in_english_without_suggestions(client):
    response = client.get("/offices?near=Qwertyuiop&lang=en")
    assert response.status_code == 404
    soup = page(response)
    assert text(soup.h1) == "We could not find “Qwertyuiop”"
    assert soup.select("ul.suggestions") == []
    assert "Check the spelling" in text(soup.main)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lat=91&lon=30", "«lat» має бути в межах від -90 до 90."),
        ("lat=abc&lon=30", "«lat» має бути числом."),
        ("lat=nan&lon=30", "«lat» має бути в межах від -90 до 90."),
        ("lat=50", "Вкажіть і широту, і довготу."),
        ("near=Київ&limit=0", "«limit» має бути цілим числом від 1 до 50."),
        ("near=Київ&radius_km=-1", "«radius_km» має бути в межах від 0 до 20040.0."),
        ("near=Київ&category=cooking", "Невідома категорія."),
        ("near=" + "а" * 10_000, "Назва місця задовга (не більше 300 символів)."),
        ("near=Ки%00їв", "У назві місця є символи, які ми не можемо прочитати."),
    ],
)
def test_bad_input_gets_a_friendly_page_in_ukrainian(client, query, message):
    response = client.get("/offices?" + query)
    assert response.status_code == 400
    soup = page(response)
    assert soup.html["lang"] == "uk"
    assert text(soup.h1) == "Будь ласка, перевірте запит"
    assert text(soup.select_one("[role=alert]")) == message
    assert soup.select_one("main input[name=near]") is not None


def test_bad_input_page_in_english(client):
    soup = page(client.get("/offices?lat=91&lon=30&lang=en"))
    assert text(soup.select_one("[role=alert]")) == "“lat” must be between -90 and 90."


def test_unknown_office_is_a_friendly_404(client):
    for path in [
        "/offices/no-such-office",
        "/offices/" + "x" * 500,
        "/offices/%3Cscript%3E",
        "/offices/a%00b",  # PostgreSQL refuses NUL in text
    ]:
        response = client.get(path)
        assert response.status_code == 404
        soup = page(response)
        assert text(soup.h1) == "Сторінку не знайдено"
        assert soup.select_one("main a[href='/']") is not None


def test_an_inactive_office_has_no_page(client, make_office):
    make_office(slug="closed-down", active=False)
    assert client.get("/offices/closed-down").status_code == 404


# --- the office page -------------------------------------------------------------


def test_office_page_shows_everything_about_the_office(client, make_office):
    make_office(
        slug="khreshchatyk",
        name="Приймальня на Хрещатику",
        organization="ГО «Право для всіх»",
        address="вул. Хрещатик, 22",
        postcode="01001",
        region="м. Київ",
        lat=50.4475,
        lon=30.5230,
        phone="+380 44 555 01 01",
        email="khreshchatyk@example.org",
        website="https://example.org/khreshchatyk",
        opening_hours="Mo-Fr 09:00-13:00,14:00-18:00; PH off",
        languages="uk;en",
        categories="family;idp_documents",
        accessibility="wheelchair",
    )
    soup = page(client.get("/offices/khreshchatyk"))
    assert text(soup.h1) == "Приймальня на Хрещатику"
    assert text(soup.select_one(".organization")) == "ГО «Право для всіх»"
    assert text(soup.select_one(".open-state")) == "Зараз відчинено — Зачиняється: 13:00."
    facts = {text(dt): dt.find_next_sibling("dd") for dt in soup.select(".office-facts dt")}
    assert text(facts["Адреса"]) == "вул. Хрещатик, 22, Київ, 01001, м. Київ"
    assert facts["Телефон"].a["href"] == "tel:+380445550101"
    assert facts["Електронна пошта"].a["href"] == "mailto:khreshchatyk@example.org"
    assert facts["Вебсайт"].a["href"] == "https://example.org/khreshchatyk"
    assert text(facts["Години роботи"]) == "пн–пт 09:00–13:00, 14:00–18:00 святкові дні зачинено"
    assert text(facts["Мови"]) == "українська, англійська"
    assert [text(li) for li in facts["Допомагає з питань"].select("li")] == [
        "Сімейні справи",
        "Документи для внутрішньо переміщених осіб",
    ]
    assert [text(li) for li in facts["Доступність"].select("li")] == [
        "Доступно для людей на кріслах колісних"
    ]
    directions = soup.find("a", string="Як дістатися")
    target = parse_qs(urlsplit(directions["href"]).query)["to"][0]
    assert target == "50.4475,30.523"


def test_office_page_in_english_during_lunch(client, clock, make_office):
    make_office(slug="lunch", opening_hours="Mo-Fr 09:00-13:00,14:00-18:00")
    clock.set(2026, 11, 25, 13, 30)
    soup = page(client.get("/offices/lunch?lang=en"))
    assert text(soup.select_one(".open-state")) == "Closed now — Opens at 14:00."


def test_office_page_json_ld_is_a_legal_service(client, make_office):
    make_office(
        slug="khreshchatyk",
        name="Приймальня на Хрещатику",
        address="вул. Хрещатик, 22",
        postcode="01001",
        lat=50.4475,
        lon=30.5230,
        phone="+380 44 555 01 01",
        email="khreshchatyk@example.org",
        opening_hours="Mo-Fr 09:00-18:00",
    )
    soup = page(client.get("/offices/khreshchatyk"))
    scripts = soup.select('script[type="application/ld+json"]')
    assert len(scripts) == 1
    data = json.loads(scripts[0].string)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LegalService"
    assert data["name"] == "Приймальня на Хрещатику"
    assert data["url"] == "http://localhost/offices/khreshchatyk"
    assert data["telephone"] == "+380 44 555 01 01"
    assert data["email"] == "khreshchatyk@example.org"
    assert data["openingHours"] == "Mo-Fr 09:00-18:00"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "вул. Хрещатик, 22",
        "addressLocality": "Київ",
        "postalCode": "01001",
        "addressCountry": "UA",
    }
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 50.4475, "longitude": 30.523}


def test_office_page_lists_neighbours(client, kyiv_offices):
    soup = page(client.get("/offices/khreshchatyk"))
    neighbours = soup.select(".neighbours li.office-item .office-name a")
    assert [a["href"] for a in neighbours] == ["/offices/podil", "/offices/obolon", "/offices/lviv"]


# --- languages -----------------------------------------------------------------------


def test_language_from_query_is_remembered_in_a_cookie(client):
    response = client.get("/?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert page(client.get("/")).html["lang"] == "en"
    # ?lang= wins over the cookie.
    assert page(client.get("/?lang=uk")).html["lang"] == "uk"
    assert page(client.get("/")).html["lang"] == "uk"


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("uk-UA,uk;q=0.9,en;q=0.5", "uk"),
        ("de-DE,de;q=0.9", "uk"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "en"),
        ("", "uk"),
    ],
)
def test_language_from_accept_language(client, accept, lang):
    soup = page(client.get("/", headers={"Accept-Language": accept}))
    assert soup.html["lang"] == lang


def test_cookie_beats_accept_language_and_unknown_lang_is_ignored(client):
    client.set_cookie("lang", "uk")
    assert page(client.get("/", headers={"Accept-Language": "en"})).html["lang"] == "uk"
    assert page(client.get("/?lang=xx", headers={"Accept-Language": "en"})).html["lang"] == "uk"


def test_the_language_switch_keeps_the_search(client, kyiv_offices):
    soup = page(client.get("/offices?near=Київ&category=family"))
    switch = soup.select_one("nav.lang-switch")
    current = switch.select_one("[aria-current]")
    assert text(current) == "Українська"
    link = switch.select_one("a[hreflang=en]")
    assert text(link) == "English"
    query = parse_qs(urlsplit(link["href"]).query)
    assert query == {"near": ["Київ"], "category": ["family"], "lang": ["en"]}
    english = page(client.get(link["href"]))
    assert english.html["lang"] == "en"
    assert [i["data-slug"] for i in result_items(english)] == ["khreshchatyk", "obolon", "lviv"]
    back = english.select_one("nav.lang-switch a[hreflang=uk]")
    assert page(client.get(back["href"])).html["lang"] == "uk"


@pytest.mark.parametrize("path", ["/", "/offices?near=Kyivv", "/offices/nothing-here"])
def test_every_page_has_the_switch(client, path):
    soup = page(client.get(path))
    assert soup.select_one("nav.lang-switch a[hreflang=en]") is not None


# --- escaping ---------------------------------------------------------------------------


def test_office_text_is_escaped_in_the_list_the_page_and_json_ld(client, make_office):
    make_office(
        slug="xss",
        name=XSS,
        organization='"><img src=x onerror=alert(2)>',
        address="<b>bold</b> street",
        description="</script><script>alert(3)</script>",
        lat=50.45,
        lon=30.52,
    )
    make_office(slug="neighbour", lat=50.46, lon=30.52)
    for path in ["/offices?near=Київ", "/offices/xss", "/offices/neighbour"]:
        raw = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in raw, path
        assert "<img src=x" not in raw, path
        assert "<b>bold</b>" not in raw, path
    listing = page(client.get("/offices?near=Київ"))
    names = [text(a) for a in listing.select(".office-name a")]
    assert XSS in names  # shown as text, as typed
    detail = page(client.get("/offices/xss"))
    assert text(detail.h1) == XSS
    assert text(detail.select_one(".description")) == "</script><script>alert(3)</script>"
    data = json.loads(detail.select_one('script[type="application/ld+json"]').string)
    assert data["name"] == XSS
    assert data["parentOrganization"]["name"] == '"><img src=x onerror=alert(2)>'
    assert len(detail.find_all("script")) == len(
        page(client.get("/offices/neighbour")).find_all("script")
    )


def test_the_query_is_escaped_on_the_not_found_page(client):
    response = client.get("/offices", query_string={"near": XSS})
    raw = response.get_data(as_text=True)
    assert "<script>alert" not in raw
    soup = page(response)
    assert XSS in text(soup.h1)


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x"]
)
def test_a_website_that_is_not_http_is_shown_but_not_linked(client, make_office, website):
    make_office(slug="odd-site", website=website)
    soup = page(client.get("/offices/odd-site?lang=en"))
    facts = {text(dt): dt.find_next_sibling("dd") for dt in soup.select(".office-facts dt")}
    assert text(facts["Website"]) == website.strip()
    assert facts["Website"].a is None
    assert not any("alert" in a.get("href", "") for a in soup.find_all("a"))


def test_an_http_website_is_a_link(client, make_office):
    make_office(slug="good-site", website="https://example.org/office")
    soup = page(client.get("/offices/good-site?lang=en"))
    links = soup.select(".office-facts a[href='https://example.org/office']")
    assert [text(a) for a in links] == ["https://example.org/office"]

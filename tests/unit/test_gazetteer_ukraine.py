"""The gazetteer for every settlement of Ukraine: qualifiers, honest fallbacks, namesakes,
postal codes, renamed towns, ISO 3166-2 codes of places and points, coordinates in degrees
and minutes, and bad input on each of these paths. Expected coordinates are public
knowledge rounded to 0.1° (as in test_gazetteer), not read from the gazetteer's data."""

from __future__ import annotations

import json
import math
import random

import pytest

from locator.geo.gazetteer import Gazetteer, parse_coordinates
from locator.geo.index import DATA


def near(place, where, tol=0.1) -> bool:
    return (
        place is not None and abs(place.lat - where[0]) <= tol and abs(place.lon - where[1]) <= tol
    )


class TestQualifiers:
    @pytest.mark.parametrize(
        "query",
        [
            "Миколаїв, Львівська обл.",
            "Миколаїв Львівська область",
            "Mykolaiv, Lviv oblast",
            "Mykolaiv, Lviv Oblast, Ukraine",
            "Николаев, Львовская обл.",
            "Николаев (Львовская область)",
            "Миколаїв Львівської області",
            "Миколаїв у Львівській області",
            "Николаев Львовской обл.",
        ],
    )
    def test_an_oblast_in_any_language_picks_the_town_in_it(self, gazetteer, query):
        place = gazetteer.lookup(query)
        assert near(place, (49.52, 23.98)), place  # not Mykolaiv city, 659 km away
        assert (place.precision, place.region_code) == ("city", "UA-46")

    @pytest.mark.parametrize(
        ("query", "code"),
        [("м. Київ, Київська обл.", "UA-30"), ("Kyiv, Kyiv oblast", "UA-30"),
         ("Севастополь, АР Крим", "UA-40"), ("Ялта, Крим", "UA-43")],
    )  # fmt: skip
    def test_kyiv_and_sevastopol_lie_in_the_oblast_around_them(self, gazetteer, query, code):
        place = gazetteer.lookup(query)
        assert (place.precision, place.region_code, place.unmatched) == ("city", code, "")

    def test_without_a_qualifier_the_biggest_namesake(self, gazetteer):
        assert near(gazetteer.lookup("Миколаїв"), (46.97, 32.0))

    @pytest.mark.parametrize(
        ("query", "where"),
        [
            ("Городище, Рівненський район", (50.64, 26.37)),
            ("Городище, Луцький р-н", (50.58, 25.08)),
            ("Городище, Черкаська обл.", (49.29, 31.44)),
        ],
    )
    def test_a_raion_picks_the_namesake_near_its_town(self, gazetteer, query, where):
        assert near(gazetteer.lookup(query), where), query

    @pytest.mark.parametrize(
        ("query", "country"),
        [("Городище", "UA"), ("Городище, Росія", "RU"), ("Nova Odesa", "UA"),
         ("Nova Odessa, Brazil", "BR"), ("Зеленодольськ", "UA"), ("Зеленодольск, Россия", "RU")],
    )  # fmt: skip
    def test_a_ukrainian_place_wins_unless_another_country_is_asked(
        self, gazetteer, query, country
    ):
        assert gazetteer.lookup(query).country == country

    def test_a_known_place_outside_the_asked_oblast_is_not_the_answer(self, gazetteer):
        place = gazetteer.lookup("Одеса, Львівська обл.")
        assert (place.precision, place.region_code, place.unmatched) == ("region", "UA-46", "Одеса")
        assert place.label == "Львівська область, Україна"


class TestFallbacks:
    @pytest.mark.parametrize(
        ("query", "precision", "label", "unmatched"),
        [
            ("Вигаданівка, Одеська обл.", "region", "Одеська область, Україна", "Вигаданівка"),
            ("с. Вигаданівка, Одеська область", "region", "Одеська область, Україна",
             "с. Вигаданівка"),
            ("Vyhadanivka, Odesa oblast", "region", "Одеська область, Україна", "Vyhadanivka"),
            ("Вигаданівка, Україна", "country", "Україна", "Вигаданівка"),
            ("Xyzzyq, Moldova", "country", "Молдова", "Xyzzyq"),
        ],
    )  # fmt: skip
    def test_an_unknown_place_answers_its_area_and_says_what_was_not_found(
        self, gazetteer, query, precision, label, unmatched
    ):
        place = gazetteer.lookup(query)
        assert (place.precision, place.label, place.unmatched) == (precision, label, unmatched)

    @pytest.mark.parametrize(
        "query", ["Рудиків", "Рудиків, Полтавська обл.", "с. Рудиків", "Rudykiv, Poltava oblast"]
    )
    def test_a_village_geonames_lacks_answers_its_community(self, gazetteer, query):
        # Рудиків (Гадяцька громада, Poltava oblast) is in the codifier, not in GeoNames
        place = gazetteer.lookup(query)
        assert (place.precision, place.region_code) == ("region", "UA-53")
        assert place.label == "Гадяцька громада, Полтавська обл., Україна"
        assert place.unmatched == query.split(",")[0]
        assert near(place, (50.37, 34.0))  # Гадяч, the community's biggest settlement
        assert gazetteer.lookup(query, lang="en").label.startswith("Hadiatska hromada, ")

    def test_a_found_place_is_no_fallback(self, gazetteer):
        assert gazetteer.lookup("Окни, Одеська обл.").unmatched == ""
        assert gazetteer.lookup("Одеська область").unmatched == ""

    def test_an_unknown_name_alone_is_not_found(self, gazetteer):
        assert gazetteer.lookup("Вигаданівка") is None


class TestNamesakes:
    def test_the_others_of_the_name_with_their_oblasts(self, gazetteer):
        answer = gazetteer.lookup("Миколаївка")
        others = gazetteer.namesakes("Миколаївка")
        assert len(others) >= 5
        assert answer.label not in [p.label for p in others]
        assert all(p.label.startswith("Миколаївка, ") and p.country == "UA" for p in others)
        assert all(p.label.count(",") == 2 for p in others)  # name, oblast, country
        assert len({p.label for p in others}) == len(others)  # one per oblast
        for other in others:  # each label leads to that very place
            again = gazetteer.lookup(other.label)
            assert (again.lat, again.lon) == (other.lat, other.lon), other.label
        assert [p.population for p in others] == sorted(
            (p.population for p in others), reverse=True
        )

    def test_a_unique_name_has_none(self, gazetteer):
        assert gazetteer.namesakes("Жовква") == []
        assert gazetteer.namesakes("Kyiv") == []

    @pytest.mark.parametrize("query", ["", "\x00", "x" * 10_000, "50.45, 30.52", None, "🙂"])
    def test_bad_input_has_none(self, gazetteer, query):
        assert gazetteer.namesakes(query) == []


class TestPostcodes:
    @pytest.mark.parametrize("query", ["01001", "04053", "Київ, 01001", "01001 Київ"])
    def test_kyiv_codes_are_the_city(self, gazetteer, query):
        place = gazetteer.lookup(query)
        assert near(place, (50.45, 30.52))
        assert (place.precision, place.region_code, place.unmatched) == ("city", "UA-30", "")

    @pytest.mark.parametrize(
        ("code", "region", "label"),
        [("79000", "UA-46", "Львівська область, Україна"),
         ("65000", "UA-51", "Одеська область, Україна"),
         ("95000", "UA-43", "Автономна Республіка Крим, Україна"),
         ("91000", "UA-09", "Луганська область, Україна")],
    )  # fmt: skip
    def test_elsewhere_honestly_the_oblast(self, gazetteer, code, region, label):
        place = gazetteer.lookup(code)
        assert (place.precision, place.region_code, place.label) == ("region", region, label)
        assert place.unmatched == code

    def test_a_city_with_its_code_is_the_city(self, gazetteer):
        assert gazetteer.lookup("79000 Львів").precision == "city"
        assert gazetteer.lookup("Львів, 79000").region_code == "UA-46"

    @pytest.mark.parametrize("query", ["00000", "123456", "1234", "01001\x00", "0100"])
    def test_not_postcodes(self, gazetteer, query):
        assert gazetteer.lookup(query) is None


class TestRenamedTowns:
    ROWS = json.loads((DATA / "renamings.json").read_text(encoding="utf-8"))["renamings"]

    @pytest.mark.parametrize("row", ROWS, ids=lambda r: r["en"])
    def test_every_name_old_and_new_finds_the_town_under_its_new_name(self, gazetteer, row):
        today = gazetteer.lookup(row["uk"])
        assert today is not None and today.label.startswith(row["uk"]), row
        assert gazetteer.lookup(row["en"], lang="en").label.startswith(row["en"])
        for old in row["old"]:
            place = gazetteer.lookup(f"{old}, Україна")
            assert (place.lat, place.lon) == (today.lat, today.lon), old


class TestRegionCodes:
    @pytest.mark.parametrize(
        ("query", "code"),
        [("Київ", "UA-30"), ("Сімферополь", "UA-43"), ("Ялта", "UA-43"),
         ("Севастополь", "UA-40"), ("Луганськ", "UA-09"), ("Харків", "UA-63"),
         ("Київська область", "UA-32"), ("Крим", "UA-43"), ("Чернівці", "UA-77")],
    )  # fmt: skip
    def test_places_carry_their_iso_3166_2_code(self, gazetteer, query, code):
        place = gazetteer.lookup(query)
        assert (place.country, place.region_code) == ("UA", code)

    def test_places_abroad_and_countries_carry_none(self, gazetteer):
        assert gazetteer.lookup("Warsaw").region_code is None
        assert gazetteer.lookup("Україна").region_code is None

    @pytest.mark.parametrize(
        ("point", "country", "code"),
        [((44.95, 34.10), "UA", "UA-43"), ((44.60, 33.52), "UA", "UA-40"),
         ((48.57, 39.31), "UA", "UA-09"), ((50.45, 30.52), "UA", "UA-30"),
         ((52.23, 21.01), "PL", None), ((0.0, 0.0), None, None)],
    )  # fmt: skip
    def test_a_point_takes_the_area_of_the_nearest_settlement(
        self, gazetteer, point, country, code
    ):
        place = gazetteer.place_at(*point)
        assert (place.precision, place.country, place.region_code) == ("point", country, code)
        assert gazetteer.region_at(*point) == code

    def test_a_point_that_is_no_number_has_no_area(self, gazetteer):
        assert gazetteer.region_at(math.nan, 30.0) is None
        assert gazetteer.place_at(math.inf, 0.0).country is None


class TestDegreesAndMinutes:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("50°27′N 30°31′E", (50.45, 30 + 31 / 60)),
            ("50 27 N 30 31 E", (50.45, 30 + 31 / 60)),
            ("50°27' пн. ш., 30°31' сх. д.", (50.45, 30 + 31 / 60)),
            ("50°27′ с. ш. 30°31′ в. д.", (50.45, 30 + 31 / 60)),
            ("50°27′00″ N, 30°31′24″ E", (50.45, 30 + 31 / 60 + 24 / 3600)),
            ("50°27'00.0\"N 30°31'24.0\"E", (50.45, 30 + 31 / 60 + 24 / 3600)),
            ("N 49.8425 E 24.0322", (49.8425, 24.0322)),
            ("30°31′E 50°27′N", (50.45, 30 + 31 / 60)),
            ("40°42′46″N 74°00′21″W", (40 + 42 / 60 + 46 / 3600, -(74 + 21 / 3600))),
            ("33°52′ пд. ш. 151°12′ сх. д.", (-(33 + 52 / 60), 151.2)),
        ],
    )
    def test_valid(self, text, expected):
        lat, lon = parse_coordinates(text)
        assert math.isclose(lat, expected[0]) and math.isclose(lon, expected[1])

    @pytest.mark.parametrize(
        "text",
        ["50°61′N 30°31′E", "50°27′N 30°31′N", "50°27′E 30°31′E", "95°N 30°E", "50°N 190°E",
         "50.5°27′N 30°E", "°°°", "N N N", "пн. ш.", "50°27′N", "′″°", "50°27′N 30°31′E 10",
         "50 27 30 31", "N 50 E", "°" * 10_000, "50°27′N\x00 30°31′E", "50° 27′ 61″ N 30° E"],
    )  # fmt: skip
    def test_invalid(self, text):
        assert parse_coordinates(text) is None

    def test_a_lookup_of_degrees_is_a_point_with_its_area(self, gazetteer):
        place = gazetteer.lookup("50°27′N 30°31′E")
        assert (place.precision, place.source, place.region_code) == (
            "point",
            "coordinates",
            "UA-30",
        )


class TestLabels:
    def test_labels_name_the_country_in_the_page_language(self, gazetteer):
        assert gazetteer.lookup("Київ").label == "Київ, Україна"
        assert gazetteer.lookup("Київ", lang="en").label == "Kyiv, Ukraine"
        assert gazetteer.lookup("Тбілісі").label == "Тбілісі, Грузія"
        lviv_oblast_town = gazetteer.lookup("Миколаїв, Львівська обл.", lang="en")
        assert lviv_oblast_town.label == "Mykolayiv, Lviv Oblast, Ukraine"

    def test_a_label_finds_its_place_again(self, gazetteer):
        for query in ("Миколаїв, Львівська обл.", "Городище", "Миколаївка", "Kyiv", "Бар"):
            place = gazetteer.lookup(query)
            again = gazetteer.lookup(place.label)
            assert (again.lat, again.lon) == (place.lat, place.lon), place.label
        for other in gazetteer.namesakes("Миколаївка"):
            assert gazetteer.lookup(other.label).region_code == other.region_code


def test_random_text_never_raises(gazetteer):
    """Every input path (names, qualifiers, postcodes, degrees, streets) on odd strings."""
    rng = random.Random(12)
    alphabet = "Київ,. °′″'\"NSEWпнсхдш-0123456789 обл р-н вул\x00\u202e\u200b🙂ёЁ;/()" + "a" * 5
    for _ in range(800):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        place = gazetteer.lookup(text)
        assert place is None or place.precision in ("point", "city", "region", "country")
        gazetteer.namesakes(text)
        gazetteer.suggest(text)
        parse_coordinates(text)


@pytest.mark.parametrize(
    ("query", "label"),
    [("Mirnoye, Crimea", "Мирне, Автономна Республіка Крим, Україна"),
     ("Мирное, Крым", "Мирне, Автономна Республіка Крим, Україна")],
)  # fmt: skip
def test_places_geonames_names_in_russian_take_their_official_names(gazetteer, query, label):
    assert gazetteer.lookup(query).label == label


def test_ukraine_goes_down_to_villages(gazetteer):
    # Окни (Odesa oblast, about 5,000 people), Великий Бурлук (about 4,000)
    assert near(gazetteer.lookup("Окни"), (47.54, 29.46))
    assert near(gazetteer.lookup("смт Великий Бурлук"), (50.06, 37.38))


def test_a_small_index_leaves_ukraines_villages_out(tmp_path):
    small = Gazetteer(min_population=1_000_000, cache_dir=tmp_path)
    assert small.lookup("Окни") is None
    assert small.lookup("Kyiv").country == "UA"

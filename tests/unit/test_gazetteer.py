"""The offline gazetteer: real spellings of real places, bad input, suggestions and
places named in free text. Coordinates are checked against independently known
values (to 0.1°), not against the data the gazetteer was built from."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import pytest

from locator.geo.gazetteer import Gazetteer, Place, normalize, parse_coordinates

REPO = Path(__file__).resolve().parents[2]

# Known centres (degrees), rounded.
KYIV = (50.45, 30.52)
ODESA = (46.48, 30.73)
KHARKIV = (49.99, 36.23)
LVIV = (49.84, 24.03)
DNIPRO = (48.46, 35.05)
ZAPORIZHZHIA = (47.84, 35.14)
KROPYVNYTSKYI = (48.51, 32.26)
KAMIANETS = (48.68, 26.58)
IVANO_FRANKIVSK = (48.92, 24.71)
UZHHOROD = (48.62, 22.29)
SIMFEROPOL = (44.95, 34.10)
CHISINAU = (47.01, 28.86)
TBILISI = (41.72, 44.79)
YEREVAN = (40.18, 44.51)
ALMATY = (43.24, 76.89)
BISHKEK = (42.87, 74.59)
ASTANA = (51.17, 71.45)
MOSCOW = (55.75, 37.62)
WARSAW = (52.23, 21.01)


def near(place: Place | None, where: tuple[float, float], tol: float = 0.1) -> bool:
    return (
        place is not None and abs(place.lat - where[0]) <= tol and abs(place.lon - where[1]) <= tol
    )


CITY_SPELLINGS = [
    # Kyiv: Ukrainian, Russian, English, old and foreign spellings, prefixes, suffixes
    *[
        (q, KYIV)
        for q in [
            "Київ", "Киев", "Kyiv", "Kiev", "KYIV", "kyiv", "  Kyiv  ", "Kyjiv", "Kijów",
            "Kiew", "м. Київ", "м.Київ", "м Київ", "М. КИЇВ", "г. Киев", "г.Киев",
            "місто Київ", "город Киев", "Kyiv city", "city of Kyiv", "Kyiv, Ukraine",
            "Київ, Україна", "Киев, Украина", "Kyiv, Україна", "Київ Україна", "Ukraine, Kyiv",
            "Kyiv (Kiev)", "Киïв", "мiсто Київ", "Ки\u00adїв", "Ｋｙｉｖ", "Київ, 01001",
            "вул. Хрещатик, 22, Київ",
        ]
    ],
    *[(q, ODESA) for q in ["Одеса", "Одесса", "Odesa", "Odessa", "м. Одеса", "Odessa, Ukraine",
                           "Одесса, Украина", "ОДЕСА"]],
    *[(q, KHARKIV) for q in ["Харків", "Харьков", "Kharkiv", "Kharkov", "Charkiw", "г. Харьков"]],
    *[(q, LVIV) for q in ["Львів", "Львов", "Lviv", "Lvov", "L'viv", "L’viv", "Lwów", "Lwow",
                          "Lemberg", "м. Львів"]],
    *[(q, DNIPRO) for q in ["Дніпро", "Днепр", "Днепропетровск", "Дніпропетровськ", "Dnipro",
                            "Dnepropetrovsk"]],
    *[(q, ZAPORIZHZHIA) for q in ["Запоріжжя", "Запорожье", "Zaporizhzhia", "Zaporozhye",
                                  "Zaporizhzhya"]],
    *[(q, KROPYVNYTSKYI) for q in ["Кропивницький", "Кировоград", "Кіровоград",
                                   "Kropyvnytskyi", "Kirovohrad", "Kirovograd"]],
    *[
        (q, KAMIANETS)
        for q in [
            "Кам'янець-Подільський", "Камʼянець-Подільський", "Кам’янець-Подільський",
            "Кам`янець-Подільський", "Кам′янець-Подільський", 'Кам"янець-Подільський',
            "Камянець-Подільський", "Кам'янець Подільський", "Каменец-Подольский",
            "Kamianets-Podilskyi", "Kamyanets-Podilskyi",
        ]
    ],
    *[(q, IVANO_FRANKIVSK) for q in ["Івано-Франківськ", "Ивано-Франковск", "Ivano-Frankivsk",
                                     "Ivano Frankivsk", "Ivano-Frankovsk"]],
    *[(q, UZHHOROD) for q in ["Ужгород", "Uzhhorod", "Uzhgorod"]],
    *[(q, SIMFEROPOL) for q in ["Сімферополь", "Симферополь", "Simferopol"]],
    *[(q, CHISINAU) for q in ["Chișinău", "Chişinău", "Chisinau", "CHISINAU", "Кишинев",
                              "Кишинёв", "Кишинів", "Kishinev", "Chisinau, Moldova"]],
    *[(q, TBILISI) for q in ["Tbilisi", "Тбилиси", "Тбілісі", "Tiflis", "Tbilisi, Georgia"]],
    *[(q, YEREVAN) for q in ["Yerevan", "Ереван", "Єреван", "Erevan"]],
    *[(q, ALMATY) for q in ["Almaty", "Алматы", "Алмати", "Алма-Ата", "Alma-Ata", "Alma Ata",
                            "Алматы, Казахстан", "Almaty, Kazakhstan"]],
    *[(q, BISHKEK) for q in ["Bishkek", "Бишкек", "Бішкек"]],
    *[(q, ASTANA) for q in ["Astana", "Астана", "Нур-Султан", "Nur-Sultan", "Нурсултан"]],
    # transliterations geonames does not list, met through the loose Latin key
    *[(q, (49.23, 28.47)) for q in ["Vinnitsa", "Vinnytsia", "Vinnytsya", "Винница"]],
    *[(q, (49.42, 26.99)) for q in ["Khmelnitsky", "Khmelnitskiy", "Khmelnytskyi"]],
    *[(q, (47.91, 33.39)) for q in ["Kriviy Rih", "Kryvyi Rih", "Krivoy Rog", "Кривой Рог"]],
    ("Zaporizhia", ZAPORIZHZHIA),
    *[(q, MOSCOW) for q in ["Москва", "Moscow", "город Москва"]],
    *[(q, WARSAW) for q in ["Warsaw", "Warszawa", "Варшава"]],
]  # fmt: skip


@pytest.mark.parametrize(("query", "where"), CITY_SPELLINGS)
def test_city_spellings_resolve_to_the_city(gazetteer, query, where):
    place = gazetteer.lookup(query)
    assert near(place, where), (query, place)
    assert place.precision == "city"
    assert place.source == "gazetteer"


@pytest.mark.parametrize(
    ("query", "lang", "label", "country"),
    [
        ("Kyiv", "uk", "Київ, Україна", "UA"),
        ("Киев", "en", "Kyiv, Ukraine", "UA"),
        ("Одесса", "uk", "Одеса, Україна", "UA"),
        ("Odessa", "en", "Odesa, Ukraine", "UA"),
        ("Lvov", "uk", "Львів, Україна", "UA"),
        ("Kharkov", "uk", "Харків, Україна", "UA"),
        ("Kirovograd", "uk", "Кропивницький, Україна", "UA"),
        ("Днепропетровск", "uk", "Дніпро, Україна", "UA"),
        ("Chisinau", "uk", "Кишинів, Молдова", "MD"),
        ("Кишинев", "en", "Chisinau, Moldova", "MD"),
        ("Тбилиси", "uk", "Тбілісі, Грузія", "GE"),
        ("Almaty", "en", "Almaty, Kazakhstan", "KZ"),
        ("Алматы", "uk", "Алмати, Казахстан", "KZ"),
        ("Нур-Султан", "uk", "Астана, Казахстан", "KZ"),
        ("Bishkek", "uk", "Бішкек, Киргизстан", "KG"),
        ("Khmelnytskyi", "uk", "Хмельницький, Україна", "UA"),
        ("Uman", "uk", "Умань, Україна", "UA"),
        ("Kerch", "uk", "Керч, Україна", "UA"),
        ("Slovyansk", "uk", "Слов'янськ, Україна", "UA"),
        ("Славянск", "en", "Slovyansk, Ukraine", "UA"),
    ],
)
def test_labels_follow_the_language(gazetteer, query, lang, label, country):
    place = gazetteer.lookup(query, lang=lang)
    assert place.label == label
    assert place.country == country


def test_repeated_lookups_answer_alike_in_either_language(gazetteer):
    for _ in range(3):
        assert gazetteer.lookup("Lwów").label == "Львів, Україна"
        assert gazetteer.lookup("Lwów", lang="en").label == "Lviv, Ukraine"
        assert gazetteer.lookup("Xyzzyq") is None


REGION_SPELLINGS = [
    ("Львівська область", LVIV, "Львівська область, Україна"),
    ("Lviv oblast", LVIV, "Львівська область, Україна"),
    ("Lviv Oblast", LVIV, "Львівська область, Україна"),
    ("Львовская область", LVIV, "Львівська область, Україна"),
    ("Львівська обл.", LVIV, "Львівська область, Україна"),
    ("Львівщина", LVIV, "Львівська область, Україна"),
    ("Харківська обл.", KHARKIV, "Харківська область, Україна"),
    ("Харківська обл", KHARKIV, "Харківська область, Україна"),
    ("Kharkiv region", KHARKIV, "Харківська область, Україна"),
    ("Харьковская обл.", KHARKIV, "Харківська область, Україна"),
    ("Київська область", KYIV, "Київська область, Україна"),
    ("Kyiv oblast", KYIV, "Київська область, Україна"),
    ("Київщина", KYIV, "Київська область, Україна"),
    ("Одеська область", ODESA, "Одеська область, Україна"),
    ("Odesa Oblast, Ukraine", ODESA, "Одеська область, Україна"),
    ("Закарпаття", UZHHOROD, "Закарпатська область, Україна"),
    ("Zakarpattia oblast", UZHHOROD, "Закарпатська область, Україна"),
    ("Кіровоградська область", KROPYVNYTSKYI, "Кіровоградська область, Україна"),
    ("Kirovohrad oblast", KROPYVNYTSKYI, "Кіровоградська область, Україна"),
    ("Івано-Франківська обл.", IVANO_FRANKIVSK, "Івано-Франківська область, Україна"),
    ("Крим", SIMFEROPOL, "Автономна Республіка Крим, Україна"),
    ("Crimea", SIMFEROPOL, "Автономна Республіка Крим, Україна"),
    ("АР Крим", SIMFEROPOL, "Автономна Республіка Крим, Україна"),
]


@pytest.mark.parametrize(("query", "where", "label"), REGION_SPELLINGS)
def test_oblasts_resolve_to_regions_at_their_centres(gazetteer, query, where, label):
    place = gazetteer.lookup(query)
    assert near(place, where), (query, place)
    assert place.precision == "region"
    assert place.label == label
    assert place.country == "UA"


@pytest.mark.parametrize(
    ("query", "town"),
    [
        ("Броварський район", "Бровари, Україна"),
        ("Броварский район", "Бровари, Україна"),
        ("Brovary raion", "Бровари, Україна"),
        ("Бориспільський р-н", "Бориспіль, Україна"),
        ("Бориспільський р-н, Київська обл.", "Бориспіль, Україна"),
        ("Фастівський район", "Фастів, Україна"),
        ("Хмельницький район", "Хмельницький, Україна"),
    ],
)
def test_a_district_is_the_town_it_is_named_after(gazetteer, query, town):
    place = gazetteer.lookup(query)
    assert place.label == town
    assert place.precision == "city"


@pytest.mark.parametrize("query", ["Якийсь район", "район", "Білоцерківський район"])
def test_unknown_districts_find_nothing(gazetteer, query):
    # Білоцерківський → Біла Церква needs more than a suffix rule: not handled
    assert gazetteer.lookup(query) is None


def test_all_oblasts_and_crimea_are_known(gazetteer):
    names = [
        "Вінницька", "Волинська", "Дніпропетровська", "Донецька", "Житомирська",
        "Закарпатська", "Запорізька", "Івано-Франківська", "Київська", "Кіровоградська",
        "Луганська", "Львівська", "Миколаївська", "Одеська", "Полтавська", "Рівненська",
        "Сумська", "Тернопільська", "Харківська", "Херсонська", "Хмельницька", "Черкаська",
        "Чернівецька", "Чернігівська",
    ]  # fmt: skip
    found = {gazetteer.lookup(f"{n} область").label for n in names}
    assert len(found) == 24
    assert all(p.endswith("область, Україна") for p in found)
    assert gazetteer.lookup("Lutsk").label == "Луцьк, Україна"
    assert gazetteer.lookup("Волинська область", lang="en").label == "Volyn Oblast, Ukraine"


@pytest.mark.parametrize(
    ("query", "iso", "uk_label", "en_label"),
    [
        ("Україна", "UA", "Україна", "Ukraine"),
        ("Ukraine", "UA", "Україна", "Ukraine"),
        ("Украина", "UA", "Україна", "Ukraine"),
        ("Kazakhstan", "KZ", "Казахстан", "Kazakhstan"),
        ("Казахстан", "KZ", "Казахстан", "Kazakhstan"),
        ("Moldova", "MD", "Молдова", "Moldova"),
        ("Молдавия", "MD", "Молдова", "Moldova"),
        ("Georgia", "GE", "Грузія", "Georgia"),
        ("Грузия", "GE", "Грузія", "Georgia"),
        ("Armenia", "AM", "Вірменія", "Armenia"),
        ("Kyrgyzstan", "KG", "Киргизстан", "Kyrgyzstan"),
        ("Кыргызстан", "KG", "Киргизстан", "Kyrgyzstan"),
        ("Білорусь", "BY", "Білорусь", "Belarus"),
        ("Poland", "PL", "Польща", "Poland"),
        ("France", "FR", "Франція", "France"),
    ],
)
def test_country_names_resolve_to_countries(gazetteer, query, iso, uk_label, en_label):
    place = gazetteer.lookup(query)
    assert place.precision == "country"
    assert place.country == iso
    assert place.label == uk_label
    assert gazetteer.lookup(query, lang="en").label == en_label


def test_a_country_sits_at_its_capital(gazetteer):
    assert near(gazetteer.lookup("Україна"), KYIV)
    assert near(gazetteer.lookup("Kazakhstan"), ASTANA)
    assert near(gazetteer.lookup("Moldova"), CHISINAU)


def test_every_seed_office_city_resolves_near_its_offices(gazetteer):
    """The demonstration offices' cities, as written in seed_data/offices.csv."""
    path = REPO / "seed_data" / "offices.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 60
    for row in rows:
        place = gazetteer.lookup(f"{row['city']}, {row['country']}")
        assert place.country == row["country"]
        if row["kind"] == "room":  # remote help has no coordinates
            assert near(place, (float(row["lat"]), float(row["lon"])), tol=0.15), row["city"]


class TestAmbiguity:
    def test_ukraine_wins_over_a_bigger_namesake_abroad(self, gazetteer):
        assert near(gazetteer.lookup("Odessa"), ODESA)  # not Odessa, Texas
        bar = gazetteer.lookup("Бар")  # the Vinnytsia oblast town, not Bar in Montenegro
        assert bar.country == "UA"
        assert near(bar, (49.07, 27.68))

    def test_a_country_in_the_query_wins(self, gazetteer):
        texas = gazetteer.lookup("Odessa, USA")
        assert texas.country == "US"
        assert near(texas, (31.85, -102.37))
        montenegro = gazetteer.lookup("Bar, Montenegro")
        assert montenegro.country == "ME"
        assert near(montenegro, (42.09, 19.10))

    def test_an_oblast_in_the_query_picks_the_town(self, gazetteer):
        place = gazetteer.lookup("Вишгород, Київська обл.")
        assert place.precision == "city"
        assert near(place, (50.58, 30.49))
        assert gazetteer.lookup("Одеса, Одеська область").precision == "city"

    def test_a_towns_own_name_beats_an_old_name_of_another(self, gazetteer):
        # Nikopol (105,160 people) lists "Слов'янськ" among its alternate names
        assert near(gazetteer.lookup("Слов'янськ"), (48.85, 37.60))

    def test_a_far_bigger_city_abroad_keeps_its_own_name(self, gazetteer):
        # "Alexandria" is also an alternate name of Oleksandriia (UA, 80,000 people)
        assert gazetteer.lookup("Alexandria").country == "EG"

    def test_a_country_name_is_the_country_not_a_town(self, gazetteer):
        # Armenia is also a city of 300,000 in Colombia
        assert gazetteer.lookup("Armenia").precision == "country"

    def test_city_districts_listed_as_cities_rank_below_the_city(self, gazetteer):
        # geonames lists Kyiv's and Kharkiv's districts as cities of their own
        assert gazetteer.lookup("Kharkiv").population > 1_000_000
        assert near(gazetteer.lookup("Оболонь"), (50.51, 30.50))


@pytest.mark.parametrize(
    "query",
    [
        "",
        " ",
        "\t\n",
        "\x00",
        "Київ\x00",
        "\x00Kyiv",
        "x" * 10_000,
        "Київ" * 3000,
        "Kyiv " * 41,
        "'; DROP TABLE offices; --",
        "1' OR '1'='1",
        "Kyiv' OR 1=1 --",
        "<script>alert(1)</script>",
        "<b>Kyiv</b><img src=x onerror=alert(1)>",
        "../../etc/passwd",
        "%00",
        "🙂",
        "???",
        "00000",
        "123456",
        "Xyzzyq",
        "asdfghjkl",
        "nan, 30",
        "NaN",
        "inf 30",
        "-inf, -inf",
        "Infinity",
        "1e400, 1",
        "\u202eviyK",
        "Ko",
        "a",
        "ya",
        ",,,,",
        "(((",
        "м.",
        "область",
    ],
)
def test_garbage_finds_nothing_and_raises_nothing(gazetteer, query):
    assert gazetteer.lookup(query) is None


@pytest.mark.parametrize("value", [None, 42, 50.45, b"Kyiv", ["Kyiv"]])
def test_non_text_finds_nothing(gazetteer, value):
    assert gazetteer.lookup(value) is None
    assert gazetteer.suggest(value) == []
    assert gazetteer.find_places(value) == []
    assert normalize(value) == ""
    assert parse_coordinates(value) is None


class TestCoordinates:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("50.45, 30.52", (50.45, 30.52)),
            ("50.45,30.52", (50.45, 30.52)),
            ("50.45 30.52", (50.45, 30.52)),
            ("  50.45   30.52  ", (50.45, 30.52)),
            ("50.45;30.52", (50.45, 30.52)),
            ("50,45; 30,52", (50.45, 30.52)),
            ("50,45 30,52", (50.45, 30.52)),
            ("(50.45, 30.52)", (50.45, 30.52)),
            ("+50.45, +30.52", (50.45, 30.52)),
            ("-33.8688, 151.2093", (-33.8688, 151.2093)),
            ("50.45N 30.52E", (50.45, 30.52)),
            ("33.86°S, 151.21°E", (-33.86, 151.21)),
            ("40.71 N, 74.01 W", (40.71, -74.01)),
            ("50, 30", (50.0, 30.0)),
            ("0, 0", (0.0, 0.0)),
            ("90, 180", (90.0, 180.0)),
            ("-90, -180", (-90.0, -180.0)),
        ],
    )
    def test_valid(self, text, expected):
        lat, lon = parse_coordinates(text)
        assert math.isclose(lat, expected[0]) and math.isclose(lon, expected[1])

    @pytest.mark.parametrize(
        "text",
        [
            "91, 30",
            "-90.0001, 0",
            "50, 181",
            "50, -180.5",
            "999, 999",
            "nan, 30",
            "NaN, NaN",
            "inf, 30",
            "50.45, inf",
            "-inf, 0",
            "1e3, 5",
            "50.45",
            "50.45,",
            "50.45, 30.52, 10",
            "50,45, 30,52",
            "50.45.1, 30",
            "abc, def",
            "",
            "   ",
            "50.45, 30.52" + " " * 200,
            "０x10, 5",
        ],
    )
    def test_invalid(self, text):
        assert parse_coordinates(text) is None

    def test_lookup_answers_coordinates_as_a_point(self, gazetteer):
        place = gazetteer.lookup("50.45, 30.52")
        assert place == Place(
            "50.45000, 30.52000", 50.45, 30.52, "point", "coordinates", "UA", 0, "UA-30"
        )

    def test_lookup_refuses_out_of_range_coordinates(self, gazetteer):
        assert gazetteer.lookup("91, 30") is None
        assert gazetteer.lookup("50, 181") is None


class TestNormalize:
    @pytest.mark.parametrize(
        "spelling",
        [
            "Кам'янець-Подільський",
            "Камʼянець-Подільський",
            "Кам’янець-Подільський",
            "Кам`янець-Подільський",
            "Кам′янець-Подільський",
            "КАМ'ЯНЕЦЬ  ПОДІЛЬСЬКИЙ",
            "Кам'янець – Подільський",
            "Кам'янець_Подільський",
            "Камянець Подільський",
        ],
    )
    def test_apostrophes_hyphens_spaces_and_case(self, spelling):
        assert normalize(spelling) == "камянець подільський"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Chișinău", "chisinau"),
            ("Chişinău", "chisinau"),
            ("Lwów", "lwow"),
            ("Łódź", "lodz"),
            ("Kraków", "krakow"),
            ("Bakı", "baki"),
            ("Кишинёв", "кишинев"),
            ("  Kyiv,   Ukraine!  ", "kyiv ukraine"),
            ("Ｋｙｉｖ", "kyiv"),
            ("Ки\u00adїв", "київ"),
            ("Киïв", "київ"),
            ("мiсто", "місто"),
            ("Кyiv", "kyiv"),
            ("м.Київ", "м київ"),
            ("Київ\x00", "київ"),
            ("", ""),
        ],
    )
    def test_folding(self, text, expected):
        assert normalize(text) == expected


class TestSuggest:
    @pytest.mark.parametrize(
        ("typo", "expected"),
        [
            ("Kyyiv", KYIV),
            ("Kyiev", KYIV),
            ("Киів", KYIV),
            ("Харькв", KHARKIV),
            ("Lvov", LVIV),
            ("Lviw", LVIV),
            ("Одеста", ODESA),
            ("Zaporizja", ZAPORIZHZHIA),
            ("Kishinau", CHISINAU),
            ("Tbilisy", TBILISI),
            ("Ужгород", UZHHOROD),
        ],
    )
    def test_typos_suggest_the_city_first(self, gazetteer, typo, expected):
        places = gazetteer.suggest(typo)
        assert places, typo
        assert near(places[0], expected), (typo, places[0])

    def test_the_city_comes_before_its_oblast_unless_the_oblast_is_asked(self, gazetteer):
        # (towns called Mykolaiv or Mykolaivka come next, before the oblast)
        assert labels(gazetteer.suggest("Nikolayev", limit=5))[0] == "Миколаїв, Україна"
        oblast = labels(gazetteer.suggest("Nikolayev oblast", limit=5))
        assert oblast[0] == "Миколаївська область, Україна"
        assert "Миколаїв, Україна" in oblast

    def test_a_typo_is_suggested_not_guessed(self, gazetteer):
        assert gazetteer.lookup("Kyivv") is None
        assert gazetteer.suggest("Kyivv")[0].label == "Київ, Україна"

    def test_suggestions_are_distinct_and_limited(self, gazetteer):
        places = gazetteer.suggest("Kharkov", limit=3)
        assert 1 <= len(places) <= 3
        assert len({(p.label, p.precision) for p in places}) == len(places)
        assert gazetteer.suggest("Kyiv", limit=0) == []

    def test_suggestions_follow_the_language(self, gazetteer):
        assert gazetteer.suggest("Kyyiv", lang="en")[0].label == "Kyiv, Ukraine"
        assert gazetteer.suggest("Kyyiv", lang="uk")[0].label == "Київ, Україна"

    @pytest.mark.parametrize("query", ["", "x", "Xyzzyq", "\x00", "x" * 10_000, "🙂🙂🙂"])
    def test_nothing_like_garbage(self, gazetteer, query):
        assert gazetteer.suggest(query) == []


def labels(places: list[Place]) -> list[str]:
    return [p.label for p in places]


class TestFindPlaces:
    def test_seed_statement_on_kazakhstan(self, gazetteer, shared_seed):
        text = shared_seed.read_text(encoding="utf-8")
        found = labels(gazetteer.find_places(text, lang="en"))
        # "the Russian Federation is a key player": a real mention of a country
        assert found == ["Kazakhstan", "Zhanaozen, Kazakhstan", "Almaty, Kazakhstan", "Russia"]
        almaty = gazetteer.find_places(text)[2]
        assert near(almaty, ALMATY)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "Я живу у Києві, а мама в Харкові. Раніше ми жили у Львові та в Одесі.",
                ["Київ, Україна", "Харків, Україна", "Львів, Україна", "Одеса, Україна"],
            ),
            (
                "Переселенці з Маріуполя живуть у Запоріжжі, Дніпрі та Вінниці.",
                ["Маріуполь, Україна", "Запоріжжя, Україна", "Дніпро, Україна", "Вінниця, Україна"],
            ),
            (
                "Консультації в Івано-Франківську, у Кропивницькому та в Білій Церкві.",
                ["Івано-Франківськ, Україна", "Кропивницький, Україна", "Біла Церква, Україна"],
            ),
            (
                "Ситуація в Казахстані: протести в Алмати та Жанаозені.",
                ["Казахстан", "Алмати, Казахстан", "Жанаозен, Казахстан"],
            ),
            (
                "На Львівщині та у Харківській області, а також у Криму.",
                ["Львівська область, Україна", "Харківська область, Україна",
                 "Автономна Республіка Крим, Україна"],
            ),
            (
                "В Харькове и Киеве, а также во Львове и в Днепре.",
                ["Харків, Україна", "Київ, Україна", "Львів, Україна", "Дніпро, Україна"],
            ),
            (
                "Офіси в Кишиневі, Тбілісі, Єревані та Бішкеку.",
                ["Кишинів, Молдова", "Тбілісі, Грузія", "Єреван, Вірменія", "Бішкек, Киргизстан"],
            ),
            (
                "Kazakhstan's government; a Kyiv-based NGO; offices in Lviv region.",
                ["Казахстан", "Київ, Україна", "Львівська область, Україна"],
            ),
        ],
    )  # fmt: skip
    def test_sentences(self, gazetteer, text, expected):
        assert labels(gazetteer.find_places(text)) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            # streets named after people who share a name with a town
            ("Приймальня на вул. Богдана Хмельницького, 5 у Києві.", ["Київ, Україна"]),
            ("вулиця Марка Кропивницького, 12, м. Одеса", ["Одеса, Україна"]),
            ("Громадянин Андрей Шептицький звернувся до суду в Харкові.", ["Харків, Україна"]),
            # title case, directions, old names, places abroad
            (
                "Statement On The Situation In Kazakhstan And Protests In Almaty",
                ["Казахстан", "Алмати, Казахстан"],
            ),
            ("Humanitarian crisis in Eastern Ukraine.", ["Україна"]),
            ("Tokayev in Nur-Sultan; later Kishinev and Lemberg.",
             ["Астана, Казахстан", "Кишинів, Молдова", "Львів, Україна"]),
            ("Refugees in Paris, Berlin and Warsaw; in Nice and Reading too.",
             ["Париж, Франція", "Берлін, Німеччина", "Варшава, Польща"]),
            ("Київ Одеса Львів", ["Київ, Україна", "Одеса, Україна", "Львів, Україна"]),
        ],
    )  # fmt: skip
    def test_names_in_context(self, gazetteer, text, expected):
        assert labels(gazetteer.find_places(text)) == expected

    def test_each_place_once_in_order_of_first_mention(self, gazetteer):
        text = "Одеса, потім Київ, знову Одеса, і ще раз у Києві та в Одесі."
        assert labels(gazetteer.find_places(text)) == ["Одеса, Україна", "Київ, Україна"]

    @pytest.mark.parametrize(
        "text",
        [
            "Nice weather. Mobile phones are banned. Reading is fun.",
            "Суми грошей не вистачає. Рівне поле. Бар закрито.",
            "The Civic Solidarity Platform and the Partnership call for a dialogue.",
            "the city of kyiv written in lower case is not a proper name",
            "Закон про безоплатну правничу допомогу. Мир, Воля, Надія.",
            "",
            "!!! ??? ...",
        ],
    )
    def test_no_false_positives(self, gazetteer, text):
        assert gazetteer.find_places(text) == []

    def test_small_towns_are_not_taken_from_free_text(self, gazetteer):
        # Бар (15,000 people) is a real town, but too small to trust in prose
        assert gazetteer.find_places("Зустріч у місті Бар") == []

    def test_huge_text_is_capped_not_an_error(self, gazetteer):
        text = "Київ " + "слово " * 300_000 + "Одеса"
        assert labels(gazetteer.find_places(text)) == ["Київ, Україна"]

    def test_markup_and_nul_bytes_are_just_text(self, gazetteer):
        text = "<p>Київ</p>\x00<script>alert('Одеса')</script>"
        assert labels(gazetteer.find_places(text)) == ["Київ, Україна", "Одеса, Україна"]


@pytest.fixture(scope="module")
def small(cache_dir):
    """A second gazetteer with the offices' cities; a big min_population keeps it quick."""
    return Gazetteer(
        extra_places=[
            ("Київ", 50.45, 30.52, "UA"),
            ("Ірпінь", 50.52, 30.25, "UA"),
            ("Демо-місто", 48.0, 30.0, "ua"),
        ],
        min_population=1_000_000,
        cache_dir=cache_dir,
    )


class TestOfficeCities:
    def test_an_office_city_with_a_known_name_is_the_known_city(self, small):
        place = small.lookup("Київ")
        assert near(place, KYIV)
        assert place.population > 1_000_000

    def test_office_cities_missing_from_the_data_are_added(self, small):
        irpin = small.lookup("Ірпінь")
        assert (irpin.label, irpin.precision, irpin.country) == ("Ірпінь, Україна", "city", "UA")
        assert near(irpin, (50.52, 30.25), tol=0.01)
        assert small.lookup("Демо-місто").country == "UA"
        assert small.lookup("м. Демо-місто") is not None

    def test_office_cities_are_found_in_free_text(self, small):
        assert labels(small.find_places("Офіс в Ірпені відкрито.")) == ["Ірпінь, Україна"]

    def test_min_population_leaves_smaller_towns_out(self, small):
        assert small.lookup("Вишгород") is None


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """A cache folder holding one built index (of the big cities only, to be quick)."""
    folder = tmp_path_factory.mktemp("gazetteer-cache")
    Gazetteer(min_population=1_000_000, cache_dir=folder)
    return folder


def answers(g: Gazetteer) -> list:
    queries = ("Київ", "Kharkov", "Lviv oblast", "Kazakhstan", "Odessa, USA", "Xyzzyq")
    return [
        *(g.lookup(q) for q in queries),
        g.suggest("Kyyiv"),
        g.find_places("У Києві та Москві; Kazakhstan."),
    ]


def copy_cache(source: Path, target: Path) -> Path:
    (cache,) = source.glob("gazetteer-*.marshal")
    target.mkdir(parents=True, exist_ok=True)
    copy = target / cache.name
    copy.write_bytes(cache.read_bytes())
    copy.chmod(0o600)
    return copy


class TestCache:
    """The built index is kept on disk between processes; a bad file is rebuilt."""

    def test_a_second_gazetteer_loads_the_same_index(self, cache_dir):
        (cache,) = cache_dir.glob("gazetteer-*.marshal")
        before = cache.stat()
        assert before.st_mode & 0o777 == 0o600
        loaded = Gazetteer(min_population=1_000_000, cache_dir=cache_dir)
        after = cache.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        fresh = Gazetteer(min_population=1_000_000, cache_dir=None)
        assert answers(loaded) == answers(fresh)
        assert answers(loaded)[0].label == "Київ, Україна"

    def test_office_cities_are_not_cached(self, cache_dir):
        Gazetteer([("Демо-місто", 48.0, 30.0, "UA")], min_population=1_000_000, cache_dir=cache_dir)
        plain = Gazetteer(min_population=1_000_000, cache_dir=cache_dir)
        assert plain.lookup("Демо-місто") is None

    @pytest.mark.parametrize("content", [b"", b"garbage\x00\xff{"], ids=["empty", "garbage"])
    def test_a_broken_cache_file_is_rebuilt(self, cache_dir, tmp_path, content):
        cache = copy_cache(cache_dir, tmp_path)
        cache.write_bytes(content)
        g = Gazetteer(min_population=1_000_000, cache_dir=tmp_path)
        assert near(g.lookup("Kyiv"), KYIV)
        assert cache.stat().st_size > 1000

    def test_a_cache_file_others_can_write_is_not_trusted(self, cache_dir, tmp_path):
        cache = copy_cache(cache_dir, tmp_path)
        cache.chmod(0o666)
        before = cache.stat().st_ino
        g = Gazetteer(min_population=1_000_000, cache_dir=tmp_path)
        assert near(g.lookup("Kyiv"), KYIV)
        assert cache.stat().st_ino != before  # rebuilt and replaced
        assert cache.stat().st_mode & 0o777 == 0o600

    def test_the_default_cache_dir_follows_xdg(self, cache_dir, tmp_path, monkeypatch):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        cache = copy_cache(cache_dir, tmp_path / "help-locator")
        before = cache.stat().st_ino
        assert near(Gazetteer(min_population=1_000_000).lookup("Kyiv"), KYIV)
        assert cache.stat().st_ino == before  # loaded, not rebuilt

    def test_no_cache_dir_writes_nothing(self, tmp_path, monkeypatch):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        g = Gazetteer(min_population=1_000_000, cache_dir=None)
        assert near(g.lookup("Kyiv"), KYIV)
        assert list(tmp_path.iterdir()) == []

    def test_an_unusable_cache_dir_is_no_error(self, tmp_path):
        target = tmp_path / "file-not-dir"
        target.write_text("x")
        g = Gazetteer(min_population=1_000_000, cache_dir=target)
        assert near(g.lookup("Kyiv"), KYIV)


def test_malformed_office_rows_are_skipped(cache_dir):
    rows = [
        ("Ok-місто", 48.0, 30.0, "UA"),
        ("Bad", None, 30.0, "UA"),
        ("Worse",),
        ("Inf", "inf", 1, "UA"),
        None,
    ]
    g = Gazetteer(rows, min_population=1_000_000, cache_dir=cache_dir)
    assert g.lookup("Ok-місто") is not None
    assert g.lookup("Bad") is None
    assert g.lookup("Inf") is None


def test_an_office_picks_its_town_among_namesakes(gazetteer):
    # two towns called Городок, of 16,046 (Khmelnytskyi oblast) and 15,993 (Lviv oblast)
    assert near(gazetteer.lookup("Городок"), (49.17, 26.56), tol=0.05)
    with_office = Gazetteer([("Городок", 49.78, 23.64, "UA")])
    assert near(with_office.lookup("Городок"), (49.78, 23.65), tol=0.05)


def test_stale_cache_files_of_other_versions_are_removed(cache_dir, tmp_path):
    copy_cache(cache_dir, tmp_path)
    stale = tmp_path / "gazetteer-0000000000.marshal"
    fresh = tmp_path / "gazetteer-1111111111.marshal"
    stale.write_bytes(b"old")
    fresh.write_bytes(b"another version, in use today")
    os.utime(stale, (1, 1))
    (cache,) = [p for p in tmp_path.glob("gazetteer-*.marshal") if p not in (stale, fresh)]
    cache.write_bytes(b"broken: forces a rebuild and a save")
    Gazetteer(min_population=1_000_000, cache_dir=tmp_path)
    assert not stale.exists()
    assert fresh.exists()


def test_a_point_takes_the_country_and_oblast_of_the_nearest_settlement_within_30_km(gazetteer):
    """place_at/region_at against a brute-force reference: every settlement measured."""
    import random

    from locator.geo.gazetteer import CITY, km

    entries = gazetteer._ix.entries
    towns = [(i, e) for i, e in enumerate(entries) if e.kind == CITY]
    rng = random.Random(5)
    points = [(rng.uniform(44.0, 53.0), rng.uniform(21.0, 41.0)) for _ in range(50)]
    points += [(e.lat + 0.05, e.lon - 0.05) for _, e in rng.sample(towns, 10)]
    points += [(69.9, 25.1), (0.0, -30.0)]  # the far north, the open sea
    for lat, lon in points:
        near = [(km(lat, lon, e.lat, e.lon), i) for i, e in towns]
        best = min((item for item in near if item[0] < 30.0), default=None)
        place = gazetteer.place_at(lat, lon)
        if best is None:
            assert place.country is None and place.region_code is None
            continue
        town = entries[best[1]]
        assert place.country == town.country, (lat, lon)
        if town.country == "UA":
            assert place.region_code == gazetteer._ix.region_codes.get(town.admin1)
            assert gazetteer.region_at(lat, lon) == place.region_code

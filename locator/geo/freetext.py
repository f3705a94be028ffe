"""Places named in free text (a statement, a question): cities of 50,000 people or more
(or with one of our offices), oblasts and countries, in order of first mention."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from itertools import product

from locator.geo.index import COUNTRY, Index
from locator.geo.names import (
    ABBREVIATIONS,
    BEFORE_NAMES,
    CYRILLIC,
    SENTENCE_START_STOP,
    WORD,
    normalize,
    text_stems,
)

MAX_TEXT_CHARS = 200_000


def find_places(
    ix: Index, text: str, best: Callable[[Iterable[tuple[int, bool]], set[str]], int]
) -> list[int]:
    """Entries named in `text`, each once, in order of first mention. `best` picks one of
    several namesakes, given the countries the text names."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])
    raw: list[str] = []
    caps: list[bool] = []
    starts: list[bool] = []  # first word of a sentence
    joined: list[bool] = []  # only spaces since the word before
    end = 0
    for m in WORD.finditer(text):
        tok = m.group()
        gap = text[end : m.start()]
        starts.append(
            not raw
            or "\n" in gap
            or (any(ch in gap for ch in ".!?:•") and raw[-1] not in ABBREVIATIONS)
        )
        joined.append(bool(raw) and gap.isspace())
        end = m.end()
        if tok[-2:] in ("'s", "’s") and not CYRILLIC.search(tok):
            tok = tok[:-2]  # "Kazakhstan's"
        raw.append(normalize(tok))
        caps.append(tok[:1].isupper())
    free = ix.free_index()
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
            and raw[i - 1] not in BEFORE_NAMES
        ):
            i += 1  # inside a run of names: "вул. Богдана Хмельницького", "Civic Platform"
            continue
        matched = 0
        region = _region_at(ix, raw, i)
        if region is not None:
            hits.append([region])
            i = hit_end = i + 2
            continue
        for k in (3, 2, 1):
            if i + k > n:
                continue
            words = raw[i : i + k]
            found = free.get(" ".join(words))
            if found is None and CYRILLIC.search(words[-1]):
                head = " ".join(words[:-1])
                for stem in text_stems(words[-1]):
                    found = free.get(f"{head} {stem}" if head else stem)
                    if found:
                        break
            if found is None and k > 1 and all(CYRILLIC.search(w) for w in words):
                for combo in product(*(list(text_stems(w, 3)) for w in words)):
                    found = free.get(" ".join(combo))
                    if found:
                        break
            if found and k == 1 and starts[i] and words[0] in SENTENCE_START_STOP:
                found = None  # "Суми грошей…", "Nice weather…"
            if found:
                hits.append(found)
                matched = k
                break
        i += matched or 1
        if matched:
            hit_end = i
    countries = {
        ix.entries[h[0]].country for h in hits if len(h) == 1 and ix.entries[h[0]].kind == COUNTRY
    }
    out: list[int] = []
    for h in hits:
        idx = best(((j, True) for j in h), countries)
        if idx not in out:
            out.append(idx)
    return out


def _region_at(ix: Index, raw: list[str], i: int) -> int | None:
    """ "у Харківській області": an oblast named by its adjective before the word."""
    if i + 1 >= len(raw) or not raw[i + 1].startswith(("облас", "обл", "oblast", "region")):
        return None
    for stem in text_stems(raw[i]):
        idx = ix.free_regions.get(stem)
        if idx is not None:
            return idx
    return None

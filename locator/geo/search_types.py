"""The search's request and result types, shared by every face (pages, API, statements,
posters, volunteers) and by the nearest search beside it (locator/geo/nearest.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from locator.geo.gazetteer import Place

DEFAULT_LIMIT = 5


class BadParameter(ValueError):
    """A malformed or out-of-range parameter: 400 for the API, a friendly page for HTML."""

    def __init__(self, name: str, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.name, self.code, self.message = name, code, message


class PlaceNotFound(LookupError):
    def __init__(self, query: str, suggestions: list[Place]) -> None:
        super().__init__(query)
        self.query, self.suggestions = query, suggestions


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    language: str | None = None
    open_now: bool = False


@dataclass(frozen=True)
class Hit:
    distance_km: float
    row: Mapping[str, Any]  # the office's columns (ROW_COLUMNS)


@dataclass(frozen=True)
class SearchRequest:
    near: str | None = None
    lat: float | None = None
    lon: float | None = None
    limit: int = DEFAULT_LIMIT
    radius_km: float | None = None
    filters: Filters = field(default_factory=Filters)

    @property
    def has_origin(self) -> bool:
        return bool(self.near) or self.lat is not None


@dataclass(frozen=True)
class Found:
    """A dressed hit: the SPEC office object (with `url`, `open_now`) and its distance."""

    distance_km: float
    office: dict[str, Any]
    row: Mapping[str, Any]  # the office's columns, for faces that print them (posters)


@dataclass(frozen=True)
class SearchResult:
    origin: Place
    query: str | None
    results: list[Found]  # rooms, nearest first
    remote: list[dict[str, Any]] = field(default_factory=list)  # office objects for the area
    remote_rows: Sequence[Mapping[str, Any]] = field(default_factory=list)  # the same, as columns

    @property
    def distances_km(self) -> list[float]:
        return [found.distance_km for found in self.results]

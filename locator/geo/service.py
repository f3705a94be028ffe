"""geocode(): coordinates, then the offline gazetteer, then (when configured) the online
geocoder with its database cache; any failure of the latter degrades to the former."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from locator.clock import system_now
from locator.geo.gazetteer import Gazetteer, Place, normalize, parse_coordinates
from locator.geo.online import GeocoderUnavailable, OnlineGeocoder
from locator.models import GeocodeCache, Office

MAX_QUERY_LENGTH = 300
CACHE_WRITE_WAIT_MS = 500  # SQLite: how long a cache entry waits for another writer
OFFICE_CITIES_TTL = 300.0  # seconds before the offices' own city names are read again

_ADDRESS_HINT = re.compile(
    r"\d|\b(вул|вулиця|просп|пр-т|пров|бульв|пл|ул|улица|street|st|avenue|ave|str)\b\.?",
    re.IGNORECASE,
)


class QueryTooLong(ValueError):
    pass


def clean_query(query: str) -> str:
    """Collapse whitespace and drop control characters; reject absurd lengths."""
    if len(query) > MAX_QUERY_LENGTH * 4:
        raise QueryTooLong
    text = "".join(ch if ch.isprintable() else " " for ch in query)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLong
    return text


class GeoService:
    """One per process: the gazetteer is built once (about a second) on first use."""

    def __init__(
        self,
        *,
        online: OnlineGeocoder | None = None,
        cache_days: int = 90,
        gazetteer: Gazetteer | None = None,
        now: Callable[[], datetime] = system_now,
    ) -> None:
        self.online = online
        self.now = now  # the app's clock (CLOCK in tests): the online cache's age
        self.cache_days = cache_days
        self._gazetteer = gazetteer
        self._lock = threading.Lock()
        self._office_cities: dict[str, Place] = {}
        self._office_cities_at = -OFFICE_CITIES_TTL

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            with self._lock:
                if self._gazetteer is None:
                    self._gazetteer = Gazetteer()
        return self._gazetteer

    def geocode(self, session: Session, query: str, lang: str = "uk") -> Place | None:
        text = clean_query(query)
        if not text:
            return None
        point = parse_coordinates(text)
        if point is not None:
            return self.gazetteer.place_at(*point)
        local = self.gazetteer.lookup(text, lang=lang) or self._office_city(session, text)
        if local is not None and local.unmatched:  # "Демо-місто, Одеська обл.": an office's town?
            local = self._office_city(session, local.unmatched) or local
        if self.online is not None and (
            local is None or local.unmatched or _ADDRESS_HINT.search(text)
        ):
            try:
                found = self._online(session, text, lang)
            except GeocoderUnavailable:
                found = None
            if found is not None:
                return self._with_area(found)
        return local or self._city_part(session, text, lang)

    def place_at(self, lat: float, lon: float) -> Place:
        """A point, with the country and ISO 3166-2 region of where it lies (when known)."""
        return self.gazetteer.place_at(lat, lon)

    def namesakes(self, query: str, lang: str = "uk") -> list[Place]:
        """Other places of Ukraine with the name `geocode` answered ("did you mean")."""
        try:
            text = clean_query(query)
        except QueryTooLong:
            return []
        return self.gazetteer.namesakes(text, lang=lang) if text else []

    def _with_area(self, place: Place) -> Place:
        """An online answer carries no ISO 3166-2 code: the gazetteer's, at that point."""
        if place.region_code or place.country not in (None, "UA"):
            return place
        region = self.gazetteer.region_at(place.lat, place.lon)
        return replace(
            place, country=place.country or ("UA" if region else None), region_code=region
        )

    def suggest(self, query: str, lang: str = "uk", limit: int = 5) -> list[Place]:
        try:
            text = clean_query(query)
        except QueryTooLong:
            return []
        return self.gazetteer.suggest(text, limit=limit, lang=lang) if text else []

    def find_places(self, text: str, lang: str = "uk") -> list[Place]:
        return self.gazetteer.find_places(text, lang=lang)

    def _city_part(self, session: Session, text: str, lang: str) -> Place | None:
        """'вул. Хрещатик, 1, Київ' → the city, when the whole address is unknown."""
        parts = [p.strip() for p in text.split(",") if p.strip()]
        for part in reversed(parts[:-1] if len(parts) > 1 else []):
            found = self.gazetteer.lookup(part, lang=lang) or self._office_city(session, part)
            if found is not None:
                return found
        return None

    def _office_city(self, session: Session, text: str) -> Place | None:
        now = time.monotonic()
        if now - self._office_cities_at > OFFICE_CITIES_TTL:
            rows = session.execute(
                select(Office.city, Office.country, func.avg(Office.lat), func.avg(Office.lon))
                .where(Office.active, Office.lat.is_not(None), Office.city != "")
                .group_by(Office.city, Office.country)
            ).all()
            self._office_cities = {
                normalize(city): self._with_area(
                    Place(city, lat, lon, "city", "offices", country or None)
                )
                for city, country, lat, lon in rows
            }
            self._office_cities_at = now
        return self._office_cities.get(normalize(text))

    def _online(self, session: Session, text: str, lang: str) -> Place | None:
        online = self.online
        assert online is not None  # only asked when an online geocoder is configured
        key = f"{lang}:{normalize(text)}"[:300]
        provider = online.name
        cached = session.scalar(
            select(GeocodeCache).where(GeocodeCache.provider == provider, GeocodeCache.query == key)
        )
        moment = self.now()
        fresh_after = moment - timedelta(days=self.cache_days)
        if cached is not None and _aware(cached.created_at) >= fresh_after:
            if not cached.found:
                return None
            return self._with_area(
                Place(
                    cached.label,
                    cached.lat,
                    cached.lon,
                    cached.precision,
                    provider,
                    cached.country or None,
                )
            )
        place = online.geocode(text, lang)
        _remember(session, provider, key, place, stale=cached is not None, at=moment)
        return place


def _remember(
    session: Session, provider: str, key: str, place: Place | None, *, stale: bool, at: datetime
) -> None:
    """Write an online answer to the cache in its own short transaction, on a connection of
    its own: the caller's session (a request, an import batch) is neither committed nor
    rolled back. Losing the race to another server, or a busy database, loses only the entry."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    try:
        with engine.connect() as conn:
            waited = None
            if conn.dialect.name == "sqlite":  # never wait long behind a writer: a cache
                waited = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                conn.exec_driver_sql(f"PRAGMA busy_timeout={CACHE_WRITE_WAIT_MS}")
            try:
                conn.rollback()  # the PRAGMAs' implicit transaction
                with conn.begin():
                    if stale:
                        conn.execute(
                            delete(GeocodeCache).where(
                                GeocodeCache.provider == provider, GeocodeCache.query == key
                            )
                        )
                    conn.execute(
                        insert(GeocodeCache),
                        {
                            "provider": provider,
                            "query": key,
                            "found": place is not None,
                            "label": place.label if place else "",
                            "lat": place.lat if place else None,
                            "lon": place.lon if place else None,
                            "precision": place.precision if place else "",
                            "country": (place.country or "") if place else "",
                            "created_at": at,
                        },
                    )
            finally:
                if waited is not None:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waited)}")
    except SQLAlchemyError:
        pass  # another server cached it first, or the database is busy; the answer stands


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def make_service(config: dict, gazetteer: Gazetteer | None = None) -> GeoService:
    online = None
    if config.get("GEOCODER") == "nominatim":
        online = OnlineGeocoder(
            url=config["GEOCODER_URL"],
            user_agent=config["GEOCODER_USER_AGENT"],
            timeout=config["GEOCODER_TIMEOUT"],
            min_delay=config["GEOCODER_MIN_DELAY"],
            countries=config["GEOCODER_COUNTRIES"],
            redis_url=config.get("REDIS_URL", ""),
            redis_timeout=config.get("REDIS_TIMEOUT", 0.5),
        )
    return GeoService(
        online=online,
        cache_days=config["GEOCODER_CACHE_DAYS"],
        gazetteer=gazetteer,
        now=config.get("CLOCK") or system_now,
    )

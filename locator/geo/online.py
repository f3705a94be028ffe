"""An online geocoder behind geopy (Nominatim by default), rate-limited to its terms.

The rate limit is shared by every app server when Redis is configured (one slot per
`min_delay` seconds, taken with SET NX PX), and per process otherwise or while Redis cannot
be reached. A request that cannot get a slot within the timeout gives up: the caller falls
back to the gazetteer.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import redis
from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from locator.geo.gazetteer import Place
from locator.ratelimit import redis_client

log = logging.getLogger(__name__)


class GeocoderUnavailable(Exception):
    """The online geocoder refused, timed out or could not be reached."""


# Nominatim's `addresstype`/`type` → our precision.
_PRECISION = {
    "country": "country",
    "state": "region",
    "region": "region",
    "province": "region",
    "county": "region",
    "district": "region",
    "city": "city",
    "town": "city",
    "village": "city",
    "hamlet": "city",
    "municipality": "city",
    "suburb": "city",
    "borough": "city",
    "quarter": "city",
    "neighbourhood": "city",
}


class _LocalSlot:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, min_delay: float, budget: float) -> bool:
        with self._lock:
            now = time.monotonic()
            delay = max(0.0, self._next - now)
            if delay > budget:
                return False
            self._next = max(now, self._next) + min_delay
        if delay:
            time.sleep(delay)
        return True


class _RedisSlot:
    """The slot shared by every server through Redis. While Redis cannot be reached the
    process keeps its own slot (at most one request per `min_delay` from each process),
    says so in the log, and asks Redis again every RECHECK seconds."""

    KEY = "help-locator:geocoder-slot"
    RECHECK = 30.0

    def __init__(self, url: str, timeout: float) -> None:
        self._redis = redis_client(url, timeout)
        self._local = _LocalSlot()
        self._down_until: float | None = None  # monotonic time of the next try, while down

    def wait(self, min_delay: float, budget: float) -> bool:
        if self._down_until is not None and time.monotonic() < self._down_until:
            return self._local.wait(min_delay, budget)
        try:
            granted = self._wait_shared(min_delay, budget)
        except redis.RedisError as error:
            if self._down_until is None:
                log.warning(
                    "Redis unreachable (%s): the geocoder's rate limit is kept per process "
                    "until it is back",
                    type(error).__name__,
                )
            self._down_until = time.monotonic() + self.RECHECK
            return self._local.wait(min_delay, budget)
        if self._down_until is not None:
            log.warning("Redis is back: the geocoder's rate limit is shared again")
            self._down_until = None
        return granted

    def _wait_shared(self, min_delay: float, budget: float) -> bool:
        deadline = time.monotonic() + budget
        while True:
            if self._redis.set(self.KEY, b"1", nx=True, px=max(1, int(min_delay * 1000))):
                return True
            ttl = self._redis.pttl(self.KEY)
            pause = (ttl / 1000.0) if ttl and ttl > 0 else 0.05
            if time.monotonic() + pause > deadline:
                return False
            time.sleep(pause)


class OnlineGeocoder:
    def __init__(
        self,
        *,
        url: str,
        user_agent: str,
        timeout: float = 5.0,
        min_delay: float = 1.0,
        countries: str = "",
        redis_url: str = "",
        redis_timeout: float = 0.5,
    ) -> None:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        self.name = "nominatim"
        self.timeout = timeout
        self.min_delay = min_delay
        self.countries = [c.strip() for c in countries.split(",") if c.strip()] or None
        self._geopy = Nominatim(
            domain=parts.netloc + parts.path.rstrip("/"),
            scheme=parts.scheme,
            user_agent=user_agent,
            timeout=timeout,
            # No retries: requests' adapter (geopy's default when installed) retries a
            # timed-out query twice, tripling the wait and asking outside the rate limit.
            adapter_factory=URLLibAdapter,
        )
        self._slot = _RedisSlot(redis_url, redis_timeout) if redis_url else _LocalSlot()

    def geocode(self, query: str, lang: str) -> Place | None:
        """The best match, None when the geocoder knows no such place."""
        try:
            if not self._slot.wait(self.min_delay, self.timeout):
                raise GeocoderUnavailable("rate limit: no slot within the timeout")
            location = self._geopy.geocode(
                query,
                exactly_one=True,
                language=lang,
                country_codes=self.countries,
                addressdetails=True,
            )
        except GeocoderUnavailable:
            raise
        except (GeopyError, OSError, ValueError) as exc:
            raise GeocoderUnavailable(type(exc).__name__) from exc
        except Exception as exc:  # whatever else fails, the gazetteer's answer stands
            raise GeocoderUnavailable(type(exc).__name__) from exc
        if location is None:
            return None
        raw = location.raw or {}
        kind = raw.get("addresstype") or raw.get("type") or ""
        country = ((raw.get("address") or {}).get("country_code") or "").upper()[:2] or None
        return Place(
            label=str(location.address)[:300],
            lat=float(location.latitude),
            lon=float(location.longitude),
            precision=_PRECISION.get(kind, "address"),
            source=self.name,
            country=country,
        )

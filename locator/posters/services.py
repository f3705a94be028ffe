"""Posters: what goes on them, the cache in front of the PDF, and the download counter.

Plain functions: the session, the geocoder, the clock and the settings come in as
arguments; nothing here reads `flask.request`. Translation happens here, under
`force_locale(poster language)`, because a poster's language need not be the page's.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlencode

import reportlab
import segno
from babel.numbers import format_decimal
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from locator.geo.search_types import Filters, SearchRequest
from locator.geo.service import GeoService
from locator.labels import category_label, hours_lines
from locator.models import CATEGORIES, Office, split_list
from locator.offices.areas import area_label, remote_help
from locator.offices.search import search
from locator.posters import render as posters
from locator.posters.models import PosterDownload
from locator.posters.render import PosterOffice, PosterTexts, render_poster

POSTER_LANGS = ("uk", "en")
POSTER_SIZES = tuple(posters.PAGE_SIZES)  # ("A4", "A3")
NEAREST_ON_POSTER = 3
REMOTE_ON_POSTER = 2  # the remote help for the building's area, beside the rooms
MAX_QR_URL = 120  # longer (a long address in Cyrillic, %-encoded): the QR uses coordinates

REQUEST_SETTINGS = ("SITE_URL", "SITE_NAME", "HOTLINE", "CHAT_HOURS", "CHAT_TIMEZONE")
# Anything that changes the drawing changes every key: the layout code, the libraries.
CODE_VERSION = hashlib.sha256(
    Path(posters.__file__).read_bytes()
    + f"|reportlab {reportlab.Version}|segno {segno.__version__}".encode()
).hexdigest()[:16]


class OfficeNotFound(LookupError):
    """`office=<slug>` names no active office."""


@dataclass(frozen=True)
class PosterRequest:
    """A validated request for a poster (see forms.PosterForm)."""

    lang: str
    size: str = "A4"
    near: str | None = None
    lat: float | None = None
    lon: float | None = None
    office: str | None = None

    @property
    def personalised(self) -> bool:
        return bool(self.near or self.lat is not None or self.office)

    def params(self) -> dict[str, str]:
        """The query string of our links to /poster.pdf (empty parts left out). The poster's
        language goes in `language`: `lang` would switch the visitor's page language too."""
        values = {"language": self.lang, "size": self.size}
        if self.office:
            values["office"] = self.office
        elif self.lat is not None and self.lon is not None:
            values["lat"], values["lon"] = f"{self.lat:.5f}", f"{self.lon:.5f}"
        elif self.near:
            values["near"] = self.near
        return values


@dataclass(frozen=True)
class PosterContent:
    """Everything on one poster. The PDF is a pure function of it (reportlab's invariant
    mode), so its fingerprint is the cache key and the ETag on every app server."""

    lang: str
    size: str
    site_url: str
    qr_url: str
    texts: PosterTexts
    hotline: str
    chat_hours: str
    offices: tuple[PosterOffice, ...]

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{CODE_VERSION}|{self!r}".encode()).hexdigest()[:40]

    def render(self) -> bytes:
        return render_poster(**{field: getattr(self, field) for field in asdict(self)})


def poster_texts(_: Callable[[str], str], *, network: str, helps: Sequence[str]) -> PosterTexts:
    """The poster's sentences through `_` (gettext, already in the poster's language)."""
    return PosterTexts(
        network=network,
        headline=_("Free legal consultation"),
        subheadline=_("Need legal advice? Our lawyer will give it to you free of charge."),
        helps_title=_("We help with:"),
        helps=tuple(helps),
        hotline_label=_("Hotline:"),
        online_title=_("Online consultation:"),
        nearest_title=_("Consulting rooms nearest to you:"),
        find_text=_("Find the nearest consulting room in your city: scan the code or open"),
        scan_text=_("Scan with your phone"),
        phone_label=_("Tel."),
        hours_label=_("Office hours:"),
    )


def qr_target(site_url: str, req: PosterRequest, origin: tuple[float, float] | None) -> str:
    """Where the QR code leads: the office, the results for the place, or the site —
    always in the poster's language."""
    lang = {"lang": req.lang}
    if req.office:
        return f"{site_url}/offices/{quote(req.office)}?{urlencode(lang)}"
    if req.near and req.lat is None:
        url = f"{site_url}/offices?{urlencode({'near': req.near, **lang})}"
        if len(url) <= MAX_QR_URL or origin is None:
            return url
    if origin is not None:
        lat, lon = origin
        return f"{site_url}/offices?{urlencode({'lat': f'{lat:.4f}', 'lon': f'{lon:.4f}', **lang})}"
    return f"{site_url}/?{urlencode(lang)}"


def _poster_office(row: Mapping, distance_km: float | None, lang: str) -> PosterOffice:
    address = ", ".join(part for part in (row["address"], row["city"]) if part)
    if not row["address"]:  # a hotline or an online desk: say so rather than print a city alone
        address = " — ".join(
            filter(None, (row["city"], _("This office consults by phone or online.")))
        )
    distance = ""
    if distance_km is not None:
        km = format_decimal(round(distance_km, 1), format="#,##0.0", locale=lang)
        distance = _("%(km)s km", km=km)
    return PosterOffice(
        name=row["name"],
        address=address,
        phone=row["phone"] or "",
        hours="; ".join(hours_lines(row["opening_hours"])),
        distance=distance,
    )


def _poster_remote(row: Mapping, area: str, lang: str) -> PosterOffice:
    """A hotline or an online reception on the poster: for whom, how to reach it."""
    office = _poster_office(row, None, lang)
    served = ", ".join(area_label(code, lang) for code in split_list(row["serves"]))
    return replace(office, address=_("Remote help for %(area)s", area=served or area))


def build_content(
    session: Session,
    geo: GeoService,
    req: PosterRequest,
    *,
    config: Mapping,
    now: datetime,
    network: Callable[[], str],
) -> PosterContent:
    """What the poster shows; raises PlaceNotFound (geo.search_types) or OfficeNotFound.
    `network` gives the name in the band, called in the poster's language."""
    with force_locale(req.lang):
        origin = None
        offices: list[PosterOffice] = []
        texts = poster_texts(
            _, network=network(), helps=[category_label(code) for code in CATEGORIES]
        )
        if req.office:
            office = session.scalar(select(Office).where(Office.slug == req.office, Office.active))
            if office is None:
                raise OfficeNotFound(req.office)
            row = {c: getattr(office, c) for c in ("name", "address", "city", "phone")}
            offices.append(
                _poster_office({**row, "opening_hours": office.opening_hours}, None, req.lang)
            )
            texts = PosterTexts(**{**asdict(texts), "nearest_title": _("Consulting room:")})
        elif req.personalised:
            wanted = SearchRequest(
                near=req.near, lat=req.lat, lon=req.lon, limit=NEAREST_ON_POSTER, filters=Filters()
            )
            result = search(session, geo, wanted, now=now, lang=req.lang)
            origin = (result.origin.lat, result.origin.lon)
            offices = [_poster_office(f.row, f.distance_km, req.lang) for f in result.results]
            # The remote help made for the building's area (before the rooms where it comes
            # first on the results page: occupied areas, no room near)
            help_ = remote_help(
                result.remote_rows[:REMOTE_ON_POSTER],
                country=result.origin.country,
                region_code=result.origin.region_code,
                distances_km=result.distances_km,
                office=lambda row: dict(row),
                config=config,
                lang=req.lang,
            )
            remote = [
                _poster_remote(row, help_["remote_area"], req.lang) for row in help_["remote"]
            ]
            offices = remote + offices if help_["remote_first"] else offices + remote
        chat_hours = "; ".join(hours_lines(config["CHAT_HOURS"]))
    site_url = config["SITE_URL"].rstrip("/")
    return PosterContent(
        lang=req.lang,
        size=req.size,
        site_url=site_url,
        qr_url=qr_target(site_url, req, origin),
        texts=PosterTexts(**{**asdict(texts), "helps": tuple(texts.helps)}),
        hotline=config.get("HOTLINE", "") or "",
        chat_hours=chat_hours,
        offices=tuple(offices),
    )


def data_version(session: Session) -> tuple[int, datetime | None]:
    """How many offices there are and when one last changed: part of the request key, and
    the posters' Last-Modified. (A deletion changes the count; any edit, `updated_at`.)"""
    count, updated = session.execute(
        select(func.count(Office.id), func.max(Office.updated_at))
    ).one()
    return count, updated


def request_key(req: PosterRequest, version: tuple, config: Mapping) -> str:
    """What decides a poster before any geocoding: the request, the office data's version
    and the settings printed on it. Remembered (per server) with the content key it led
    to, so a repeated request costs one small query instead of a search."""
    settings = tuple(config.get(name, "") for name in REQUEST_SETTINGS)
    return hashlib.sha256(repr((CODE_VERSION, req, version, settings)).encode()).hexdigest()[:40]


class PosterCache:
    """A small in-process LRU of finished files (PDF, preview PNG) by content key.

    Each app server keeps its own; since the PDF is deterministic, every server answers
    the same key with the same bytes, so ETags agree across the load balancer."""

    def __init__(self, max_items: int = 128) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def get_or_make(self, key: str, make: Callable[[], bytes]) -> tuple[bytes, bool]:
        """(bytes, whether they came from the cache). Two threads missing at once both
        render; the result is identical, so the race costs time, never correctness."""
        value = self.get(key)
        if value is not None:
            return value, True
        value = make()
        self.put(key, value)
        return value, False

    def discard(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def count_download(session: Session, *, lang: str, size: str, personalised: bool) -> None:
    """n = n + 1 in the database (never read-modify-write in Python), creating the row on
    first use. Safe under concurrency on SQLite and PostgreSQL: one UPDATE; when no row
    exists, an INSERT in a savepoint, and if another server inserted it meanwhile the
    unique constraint makes ours fail and the UPDATE is simply repeated.

    Its own transaction: the request's reading one is ended first, because SQLite cannot
    turn a read transaction that another writer has overtaken into a write one."""
    session.commit()  # a no-op when no transaction is open
    kind = (
        (PosterDownload.lang == lang)
        & (PosterDownload.size == size)
        & (PosterDownload.personalised == personalised)
    )
    increment = update(PosterDownload).where(kind).values(count=PosterDownload.count + 1)
    if cast("CursorResult[Any]", session.execute(increment)).rowcount == 0:
        try:
            with session.begin_nested():
                session.add(
                    PosterDownload(lang=lang, size=size, personalised=personalised, count=1)
                )
        except IntegrityError:
            session.execute(increment)
    session.commit()


def download_counts(session: Session) -> list[PosterDownload]:
    return list(
        session.scalars(
            select(PosterDownload).order_by(
                PosterDownload.lang, PosterDownload.size, PosterDownload.personalised
            )
        )
    )

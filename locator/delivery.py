"""How pages travel: cache headers, validators and compression.

Public HTML pages get `Cache-Control: no-cache` (keep, but ask first) and a weak ETag, so
a phone that has the page gets `304 Not Modified` (a few hundred bytes) while nothing
changed. The hash leaves out what differs on every request without changing what the
reader sees: the CSP nonce, the signed CSRF token (the session's own token and the hour
go in instead, so a page kept by the browser never carries a token older than about an
hour) and the random element ids of map figures. A 304 carries no
Content-Security-Policy, so the browser keeps the policy it stored with the page, whose
nonce matches the page's scripts.

Personal pages (coordinators', the chat, the links from volunteers' e-mails, any page
that showed a one-time message) get `Cache-Control: private, no-store`; the service
worker reads the same header and keeps none of them.

Responses are compressed with brotli or gzip, by Accept-Encoding: text types only, not
streamed responses (the chat's `text/event-stream` must reach the browser event by
event, and a generator is never buffered here), not files (static files come compressed
from `locator.assets`), nothing already encoded.
"""

from __future__ import annotations

import gzip
import hashlib
import re

import brotli
from flask import Flask, g, request, session
from flask.globals import request_ctx

from locator import clock
from locator.assets import COMPRESS_MIN_SIZE, preferred_encoding

# Paths (below the application root) whose pages are never stored by a browser or the
# service worker.
PRIVATE_PREFIXES = ("/admin", "/chat", "/volunteer/confirm/", "/volunteer/withdraw/")
PRIVATE = "private, no-store"
# folium names each map's elements `map_<32 hex digits>` afresh on every render.
FIGURE_ID = re.compile(rb"\b[a-z_]+_[0-9a-f]{32}\b")
REVALIDATE = "no-cache"

COMPRESSIBLE_TYPES = {
    "text/html",
    "text/plain",
    "text/css",
    "text/csv",
    "text/xml",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "application/ld+json",
    "application/manifest+json",
    "application/xml",
    "application/atom+xml",
    "application/problem+json",
    "image/svg+xml",
}
BROTLI_QUALITY = 5  # ~1 ms for a 25 KB page; 11 costs 100× more for ~8 % fewer bytes
GZIP_LEVEL = 6


def is_private_path(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


def _showed_flashes() -> bool:
    """The page displayed one-time messages (they may quote what the visitor sent)."""
    return bool(getattr(request_ctx, "flashes", None))


def page_etag(body: bytes) -> str:
    digest = hashlib.blake2b(digest_size=16)
    nonce = g.get("csp_nonce")
    token = g.get("csrf_token")
    for secret in (nonce, token):
        if secret:
            body = body.replace(secret.encode(), b"")
    digest.update(FIGURE_ID.sub(b"", body))
    if token:
        digest.update(str(session.get("csrf_token", "")).encode())
        digest.update(str(int(clock.now().timestamp() // 3600)).encode())
    return digest.hexdigest()


def cache_policy(response):
    """Cache-Control and ETag for pages; 304 when the browser's copy is the same page."""
    if request.method not in ("GET", "HEAD") or response.mimetype != "text/html":
        return response
    if response.status_code != 200 or response.is_streamed:
        if "Cache-Control" not in response.headers and is_private_path(request.path):
            response.headers["Cache-Control"] = PRIVATE
        return response
    if _showed_flashes():
        response.headers["Cache-Control"] = PRIVATE
        return response
    if is_private_path(request.path):
        response.headers.setdefault("Cache-Control", PRIVATE)  # or the view's own no-store
        return response
    if "Cache-Control" in response.headers:
        return response  # the view decided
    response.headers["Cache-Control"] = REVALIDATE
    response.set_etag(page_etag(response.get_data()), weak=True)
    response.make_conditional(request)
    if response.status_code == 304:
        # Keep the stored policy: its nonce is the one in the stored page.
        response.headers.pop("Content-Security-Policy", None)
    return response


def compress(response):
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code < 200
        or response.status_code in (204, 206, 304)
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE_TYPES
        or "no-transform" in response.headers.get("Cache-Control", "")
    ):
        return response
    response.vary.add("Accept-Encoding")
    encoding = preferred_encoding()
    body = response.get_data()
    if encoding is None or len(body) < COMPRESS_MIN_SIZE:
        return response
    if encoding == "br":
        packed = brotli.compress(body, quality=BROTLI_QUALITY)
    else:
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    response.set_data(packed)
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # the bytes are no longer the entity's
    return response


def init_app(app: Flask) -> None:
    """Register first: Flask runs after-request functions last-registered-first, so these
    see the finished response, headers of every other hook included."""

    @app.after_request
    def deliver(response):
        if request.endpoint == "static":
            # The same bytes for every language and visitor. Flask-Login looks into the
            # session after every request, which would make Flask add `Vary: Cookie`.
            if not session.modified:
                session.accessed = False
            if "Accept-Encoding" in response.vary:
                response.headers["Vary"] = "Accept-Encoding"
            else:
                response.headers.pop("Vary", None)
            return response
        return compress(cache_policy(response))

"""Static files under content-versioned URLs, cached for a year, compressed once.

`url_for("static", filename="css/site.css")` gives `/static/<version>/css/site.css`,
where the version is the first 12 hex digits of the file's SHA-256: a changed file gets a
new URL, so the old one may be cached forever (`Cache-Control: public, max-age=31536000,
immutable`). `url_for("static", filename="")` — the prefix the map code builds its own
URLs on — carries the site version instead, a hash of every file under `static/`: any
change to any file changes it.

A request for a version that is not the file's (a page cached before a deployment asking
for the old stylesheet) gets today's file with `Cache-Control: no-cache`, never a
year-long promise about bytes it does not name; so does a request without a version.

Text files are sent compressed with brotli (best quality) or gzip, chosen by the
request's Accept-Encoding; each variant is computed once per file version and kept in
memory and under `instance/static-cache/`, so several workers share the work. No request
waits for brotli's best quality: it is computed in a thread while the first requests get
quality 5.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import tempfile
import threading
from pathlib import Path

import brotli
from flask import Flask, Response, abort, current_app, request, send_file
from werkzeug.security import safe_join

VERSION_LENGTH = 12
VERSION_RE = re.compile(rf"[0-9a-f]{{{VERSION_LENGTH}}}")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# Sent compressed; images other than SVG and fonts in WOFF2 are compressed already.
COMPRESSIBLE_SUFFIXES = {
    ".css",
    ".js",
    ".mjs",
    ".json",
    ".geojson",
    ".svg",
    ".txt",
    ".html",
    ".xml",
    ".webmanifest",
    ".ttf",
    ".otf",
    ".md",
}
COMPRESS_MIN_SIZE = 512
mimetypes.add_type("application/geo+json", ".geojson")
mimetypes.add_type("application/manifest+json", ".webmanifest")


class Assets:
    """Content versions of the files in one static folder (computed lazily, then kept)."""

    def __init__(self, folder: str | os.PathLike, cache_dir: str | os.PathLike | None = None):
        self.folder = Path(folder)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._versions: dict[str, tuple[tuple[int, int], str]] = {}
        self._site: str | None = None
        self._compressed: dict[tuple[str, str], bytes] = {}
        self._pending: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def path(self, filename: str) -> Path | None:
        joined = safe_join(str(self.folder), filename)
        if joined is None or not os.path.isfile(joined):
            return None
        return Path(joined)

    def version(self, filename: str) -> str | None:
        """The file's content version, or None when there is no such file."""
        path = self.path(filename)
        if path is None:
            return None
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        known = self._versions.get(filename)
        if known and known[0] == key:
            return known[1]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:VERSION_LENGTH]
        self._versions[filename] = (key, digest)
        return digest

    def site_version(self, *, fresh: bool = False) -> str:
        """One version for the whole folder (changes when any file does); `fresh` looks
        again (the development server, where files change under a running app)."""
        if self._site is None or fresh:
            self._site = self.compute_site_version()
        return self._site

    def compute_site_version(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            name = path.relative_to(self.folder).as_posix()
            digest.update(name.encode() + b"\0" + (self.version(name) or "").encode() + b"\0")
        return digest.hexdigest()[:VERSION_LENGTH]

    def url_path(self, filename: str) -> str:
        """`<version>/<filename>` as `url_for` puts it after the static prefix."""
        fresh = current_app.debug
        version = self.version(filename) if filename else self.site_version(fresh=fresh)
        return f"{version}/{filename}" if version else filename

    def compressed(self, filename: str, version: str, encoding: str) -> tuple[bytes, str]:
        """The file compressed, and a tag for its ETag.

        gzip (level 9, milliseconds) is computed at once. Brotli's best quality takes a
        second or more for the larger files, so the first request for a version starts
        it in a thread (once, however many ask) and gets a quick quality-5 answer; every
        later one gets the kept result."""
        key = (f"{version}/{filename}", encoding)
        if key in self._compressed:
            return self._compressed[key], encoding
        stored = self._cache_file(filename, version, encoding)
        if stored is not None and stored.is_file():
            self._compressed[key] = stored.read_bytes()
            return self._compressed[key], encoding
        raw = self.path(filename).read_bytes()  # type: ignore[union-attr]
        if encoding != "br":
            self._keep(key, gzip.compress(raw, compresslevel=9, mtime=0), stored)
            return self._compressed[key], encoding
        with self._lock:
            start = key not in self._pending
            self._pending.add(key)
        if start:
            threading.Thread(target=self._best, args=(key, raw, stored), daemon=True).start()
        return brotli.compress(raw, quality=5), "br5"

    def _best(self, key: tuple[str, str], raw: bytes, stored: Path | None) -> None:
        try:
            self._keep(key, brotli.compress(raw, quality=11), stored)
        finally:
            with self._lock:
                self._pending.discard(key)

    def _keep(self, key: tuple[str, str], data: bytes, stored: Path | None) -> None:
        self._compressed[key] = data
        if stored is not None:
            _write_atomically(stored, data)

    def _cache_file(self, filename: str, version: str, encoding: str) -> Path | None:
        if self.cache_dir is None:
            return None
        name = hashlib.sha256(filename.encode()).hexdigest()[:16]
        suffix = "br" if encoding == "br" else "gz"
        return self.cache_dir / f"{name}-{version}.{suffix}"


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only instance folder: the memory copy still serves


def current() -> Assets:
    return current_app.extensions["locator.assets"]


def split_version(filename: str) -> tuple[str | None, str]:
    head, sep, rest = filename.partition("/")
    if sep and VERSION_RE.fullmatch(head):
        return head, rest
    return None, filename


def preferred_encoding() -> str | None:
    accept = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accept.quality(encoding) > 0 and encoding in accept:
            return encoding
    return None


def serve_static(filename: str):
    """The static view: today's file, for a year when the URL names its version."""
    assets = current()
    version, name = split_version(filename)
    path = assets.path(name)
    if path is None:
        abort(404)
    current_version = assets.version(name)
    fixed = version is not None and version in (current_version, assets.site_version())
    compressible = _compressible(path)
    encoding = preferred_encoding() if compressible else None
    if encoding:
        data, tag = assets.compressed(name, current_version, encoding)
        response = Response(data, mimetype=mimetypes.guess_type(path.name)[0])
        response.headers["Content-Encoding"] = encoding
        response.set_etag(f"{current_version}-{tag}")
    else:
        response = send_file(path, conditional=False, etag=False, max_age=None)
        response.set_etag(current_version)
    if compressible:
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = IMMUTABLE if fixed else REVALIDATE
    response.make_conditional(request)
    return response


def _compressible(path: Path) -> bool:
    return path.suffix.lower() in COMPRESSIBLE_SUFFIXES and path.stat().st_size >= COMPRESS_MIN_SIZE


def init_app(app: Flask) -> None:
    assets = Assets(app.static_folder, Path(app.instance_path) / "static-cache")
    app.extensions["locator.assets"] = assets

    @app.url_defaults
    def versioned_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = current().url_path(values["filename"])

    app.view_functions["static"] = serve_static

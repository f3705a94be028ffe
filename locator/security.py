"""Security headers. Pages may not be framed, except those marked with `allow_framing`."""

from __future__ import annotations

import secrets
from functools import lru_cache, wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, has_request_context, request


class SiteFlask(Flask):
    """Flask whose absolute URLs (`url_for(..., _external=True)`: the API's office `url`,
    links in the embeddable map, e-mails) start with SITE_URL, never with the Host header a
    client sent: a forged Host must not put another site's address into our answers (or
    into a cache that serves them to others)."""

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values,
    ) -> str:
        site = (self.config.get("SITE_URL") or "").rstrip("/")
        external = _external if _external is not None else _scheme is not None
        if not (external and site and has_request_context()):
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        path = super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        root = request.script_root  # a prefix the proxy strips, which SITE_URL names already
        if root and site.endswith(root):
            path = path[len(root) :]
        return site + path


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_framing(view):
    """For the embeddable map: partners may put this page in an iframe."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.allow_framing = True
        return view(*args, **kwargs)

    return wrapper


@lru_cache(maxsize=32)
def _policy(tile_url: str, ancestors: str, with_nonce: bool) -> str:
    """The Content-Security-Policy, with "{nonce}" where the request's nonce goes."""
    scripts = "script-src 'self' 'nonce-{nonce}'" if with_nonce else "script-src 'self'"
    policy = [
        "default-src 'self'",
        scripts,
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: {_tile_origin(tile_url)}".strip(),
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ]
    return "; ".join(policy)


def _tile_origin(tile_url: str) -> str:
    parts = urlsplit(tile_url.replace("{s}.", "").replace("{", "").replace("}", ""))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    # "{s}.tile.example.org" → "*.tile.example.org"
    if "{s}" in tile_url:
        host = "*." + host
    return f"{parts.scheme}://{host}"


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.before_request
    def refuse_nul_bytes():
        """No text we keep or look up may hold a NUL (PostgreSQL refuses it with an error):
        a path with one names no page; a form with one is malformed."""
        if "\x00" in request.path and not request.path.startswith("/api/"):
            abort(404)  # the API answers its own 404 with a precise code
        if request.method == "POST" and any("\x00" in v for v in request.form.values()):
            abort(400)
        # The coordinators' lists put their filters (?q=, ?city=, ?office=) into queries as
        # they are; the public pages' parameters explain the problem themselves.
        if request.path.startswith("/admin/") and any("\x00" in v for v in request.args.values()):
            abort(400)

    @app.after_request
    def security_headers(response):
        framing = g.get("allow_framing", False)
        ancestors = current_app.config["EMBED_FRAME_ANCESTORS"] if framing else "'none'"
        # A page that ran no script of ours gets no nonce (JSON answers, most API calls).
        nonce = g.get("csp_nonce")
        response.headers.setdefault(
            "Content-Security-Policy",
            _policy(current_app.config["TILE_URL"], ancestors, nonce is not None).replace(
                "{nonce}", nonce or ""
            ),
        )
        if not framing:
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "geolocation=(self), camera=(), microphone=()"
        )
        # Only over HTTPS: on http a browser ignores it, and a site reached by plain http
        # (a developer's machine) must not be pinned to a scheme it does not serve.
        hsts = current_app.config.get("HSTS_SECONDS", 0)
        if hsts > 0 and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
        return response

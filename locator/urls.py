"""Paths for links on SITE_URL (e-mails, feeds, JSON-LD), wherever the request came from.

A mirror may serve the site under a path prefix (`SCRIPT_NAME=/help`): `url_for` then
starts every path with it, which is right for the mirror's own pages and wrong after
SITE_URL, the canonical address.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for


def site_path(endpoint: str, **values) -> str:
    """`url_for(endpoint, **values)` without the prefix of the current request."""
    path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    return path[len(root) :] if root and path.startswith(root + "/") else path


def site_url(endpoint: str, **values) -> str:
    """The canonical absolute URL: SITE_URL + the path."""
    return current_app.config["SITE_URL"].rstrip("/") + site_path(endpoint, **values)

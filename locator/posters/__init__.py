"""Posters for notice boards: /poster, /poster.pdf, /admin/posters, `flask posters pdf`;
the Flask-free PDF maker is `render.py`."""

from locator.posters import admin, cli  # noqa: F401 — /admin/posters; `flask posters pdf`
from locator.posters.views import bp

__all__ = ["bp"]

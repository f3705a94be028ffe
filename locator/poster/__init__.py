"""Posters for notice boards: /poster, /poster.pdf, and /admin/posters for coordinators.

(The package is `poster` because `locator/posters.py`, the Flask-free PDF maker, holds
the plural name; the blueprint is still called "posters".)"""

from locator.poster import admin, cli  # noqa: F401 — /admin/posters; `flask posters pdf`
from locator.poster.views import bp

__all__ = ["bp"]

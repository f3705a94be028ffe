"""Posters for notice boards: /poster, /poster.pdf, and /admin/posters for coordinators.

(The package is `poster` because `locator/posters.py`, the Flask-free PDF maker, holds
the plural name; the blueprint is still called "posters".)"""

from locator.poster import admin  # noqa: F401 — adds /admin/posters to the admin blueprint
from locator.poster.views import bp

__all__ = ["bp"]

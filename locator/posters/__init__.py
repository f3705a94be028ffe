"""Posters for notice boards: /poster, /poster.pdf, `flask posters pdf`; /admin/posters in
`admin.py`; the Flask-free PDF maker is `render.py`."""

from locator.posters import cli  # noqa: F401 — `flask posters pdf`
from locator.posters.views import bp

__all__ = ["bp"]

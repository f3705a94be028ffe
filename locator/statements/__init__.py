"""Statements: pages, Atom feed, import (`flask statements import`); admin pages in `admin.py`."""

from locator.statements import cli
from locator.statements.views import bp

__all__ = ["bp", "cli"]

"""Statements: pages, Atom feed, import (`flask statements import`), admin pages."""

from locator.statements import admin_views, cli
from locator.statements.views import bp

__all__ = ["admin_views", "bp", "cli"]

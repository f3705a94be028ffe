"""Volunteers: sign-up with double opt-in, join requests, support and privacy pages,
and the coordinators' review lists (added to the admin blueprint)."""

from locator.volunteers import admin  # noqa: F401  (adds /admin/volunteers… to admin.bp)
from locator.volunteers.views import bp

__all__ = ["bp"]

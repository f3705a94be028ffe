"""Volunteers: sign-up with double opt-in, join requests, support and privacy pages."""

from locator.volunteers.views import bp

__all__ = ["bp"]

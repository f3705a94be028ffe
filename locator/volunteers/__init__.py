"""Volunteers: sign-up with double opt-in, join requests, support and privacy pages;
the coordinators' review lists are in `admin.py`."""

from locator.volunteers.views import bp

__all__ = ["bp"]

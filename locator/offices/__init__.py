"""Public pages: the home page, search results and office pages."""

from locator.offices.views import bp

__all__ = ["bp"]

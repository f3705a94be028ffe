"""The JSON API under /api/v1 (described by /api/v1/openapi.json)."""

from locator.api.views import bp

__all__ = ["bp"]

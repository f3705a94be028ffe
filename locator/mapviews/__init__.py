"""Maps: /map, /embed/map and the maps on the office pages (figures in locator/maps.py)."""

from locator.mapviews.views import bp

__all__ = ["bp"]

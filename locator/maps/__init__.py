"""Maps: /map, /embed/map and the maps on the office pages (the Flask-free folium figures are `figures.py`)."""

from locator.maps.views import bp

__all__ = ["bp"]

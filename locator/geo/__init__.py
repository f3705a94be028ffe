"""Geocoding and nearest-office search.

`geo.current()` is the app's GeoService (gazetteer + optional online geocoder + cache).
"""

from flask import current_app

from locator.geo.service import GeoService


def current() -> GeoService:
    return current_app.extensions["locator.geo"]

"""Geocoding and nearest-office search."""

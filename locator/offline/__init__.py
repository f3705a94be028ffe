"""The site without a connection: service worker, manifest, the offline page."""

from locator.offline.views import bp

__all__ = ["bp"]

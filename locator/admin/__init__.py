"""The coordinators' area under /admin: one blueprint, one layout, every page behind login.

Areas add their pages to `bp` (see CONTRIBUTING.md) and their links to `NAV`."""

from locator.admin import offices  # noqa: F401 - the office pages (issue 6) on `bp`
from locator.admin.views import NAV, bp

__all__ = ["NAV", "bp"]

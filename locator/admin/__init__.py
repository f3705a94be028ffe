"""The coordinators' area under /admin: one blueprint, one layout, every page behind login.

Areas add their pages to `bp` (see CONTRIBUTING.md) and their links to `NAV`."""

from locator.admin.views import NAV, bp

# isort: split
# After NAV and bp exist: the office pages (issue 6) import areas that import them.
from locator.admin import offices  # noqa: F401

__all__ = ["NAV", "bp"]

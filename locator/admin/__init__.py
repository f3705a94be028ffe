"""The coordinators' area under /admin: the shared shell (blueprint, sign-in, layout,
navigation, sign-in throttle, the review-list helper). Every page behind login.

Each area keeps its coordinators' pages in its own `admin.py` with a `register_admin(bp, nav)`
that `create_app` calls in navigation order (see CONTRIBUTING.md). Areas import this
package; it imports none of them."""

from locator.admin.views import Nav, create_blueprint

__all__ = ["Nav", "create_blueprint"]

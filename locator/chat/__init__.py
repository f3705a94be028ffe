"""The online consultation, live: `/chat` for visitors, `/admin/chat` for coordinators
(`admin.py`), delivered over Server-Sent Events across processes (Redis pub/sub, or database
polling)."""

from locator.chat import cli  # noqa: F401 — `flask chat purge`
from locator.chat.views import bp

__all__ = ["bp"]

"""Closing a browser context so that Chromium answers.

Chromium can leave `Target.disposeBrowserContext` unanswered for good when a page of the
context is still navigating (a form just sent, a redirect under way) while the site's
service worker attaches to it: `context.close()` then never returns and the run hangs.
Every page is first taken to about:blank, which waits for (or cancels) any navigation in
flight and has a timeout; only then is the context closed.
"""

from __future__ import annotations

from playwright.sync_api import Error

BLANK_MS = 15_000


def close_context(context) -> None:
    for page in context.pages:
        try:
            page.goto("about:blank", timeout=BLANK_MS)
        except Error as error:  # a crashed or closed page: closing the context still ends it
            print(f"close_context: {page.url} did not go blank: {error}")
    context.close()

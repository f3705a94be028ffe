"""Waiting for the service worker in browser tests."""

from __future__ import annotations

import time

PAGES = "locator:/:pages"  # the worker's cache of pages (templates/offline/sw.js)


def until(page, script: str, arg=None, timeout: float = 15.0):
    """Poll `script` in the page until it is truthy (wait_for_function compiles its
    predicate with eval, which the site's Content-Security-Policy rightly refuses)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {script}")
        page.wait_for_timeout(100)


def controlled(page) -> None:
    """Wait until the service worker controls the page (installed, shell cached)."""
    until(page, "() => navigator.serviceWorker.controller !== null")


def wait_saved(page, url: str) -> None:
    until(
        page, "async ([name, url]) => !!(await (await caches.open(name)).match(url))", [PAGES, url]
    )

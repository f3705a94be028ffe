"""A server's long-lived heap, kept out of the cycle collector's walks (issue 15: p99).

A full collection walks every container the process holds. In a worker with the gazetteer
(~170,000 objects) and a snapshot of 100,000 offices loaded, one took ~0.2 s with the GIL
held — every few thousand requests, a stall for every request in flight, which is what the
p99 latency measured. What a server loads once for its life is therefore moved into the
permanent generation (`gc.freeze`) when it has been loaded: at a worker's start
(`settle_worker`, from gunicorn.conf.py) and after each new office snapshot (`settle`).
Reference counting still frees all of it when it is dropped; the collector still walks
everything made later.

Off until a server turns it on: a test process makes hundreds of apps, and garbage that is
frozen before the collector finds it is never collected.
"""

from __future__ import annotations

import gc

from flask import Flask

_enabled = False


def settle_worker(app: Flask | object) -> None:
    """Load what every request shares (the gazetteer's index and its tree of settlements), turn
    settling on for this process and freeze what is loaded. `app` is what the server
    loaded: anything but our Flask app (a server's error app) only turns settling on."""
    global _enabled
    _enabled = True
    geo = getattr(app, "extensions", {}).get("locator.geo")
    if geo is not None:
        gazetteer = geo.gazetteer  # read from its disk cache (~0.3 s)
        gazetteer.place_at(50.45, 30.52)  # builds the k-d tree of the nearest-settlement lookups
    settle()


def settle() -> None:
    """In a server, move what is loaded now out of the collector's sight: first the young
    generations are collected, so that the short-lived garbage of requests in flight is
    not frozen with it."""
    if _enabled:
        gc.collect(1)
        gc.freeze()

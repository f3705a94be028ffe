"""locator/heap.py: a server's long-lived heap is frozen out of the cycle collector's walks
(a full collection over it stalled a worker ~0.2 s); a process that is not a server (this
test process, making hundreds of apps) freezes nothing."""

from __future__ import annotations

import gc

import pytest

from locator import heap


@pytest.fixture
def thawed(monkeypatch):
    monkeypatch.setattr(heap, "_enabled", False)
    gc.unfreeze()
    yield
    gc.unfreeze()  # what the test froze goes back to the collector


def _tracked(obj) -> bool:
    """Whether the collector still walks `obj` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_outside_a_server_nothing_is_frozen(thawed):
    kept = {"a": [1, 2]}
    heap.settle()
    assert gc.get_freeze_count() == 0
    assert _tracked(kept)


def test_a_worker_loads_the_gazetteer_and_freezes_it(app, thawed):
    heap.settle_worker(app)
    gazetteer = app.extensions["locator.geo"].gazetteer
    assert gc.get_freeze_count() > 0
    assert not _tracked(gazetteer) and not _tracked(gazetteer._points)
    made_later = {"b": [3]}
    assert _tracked(made_later)  # the collector still walks what comes after
    heap.settle()  # as after a new office snapshot
    assert not _tracked(made_later)


def test_a_server_that_loaded_something_else_only_turns_settling_on(thawed):
    heap.settle_worker(object())
    assert gc.get_freeze_count() > 0

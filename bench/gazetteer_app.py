"""The app served by bench_gazetteer: this tree's gazetteer, or (with
BENCH_GAZETTEER_REV set) the gazetteer module of that git revision."""

import os

from locator import create_app

_rev = os.environ.get("BENCH_GAZETTEER_REV")
if _rev:
    from tests.real_places import load_old_gazetteer

    app = create_app({"GAZETTEER": load_old_gazetteer(_rev).Gazetteer()})
else:
    app = create_app()

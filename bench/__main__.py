"""`python -m bench [NAME …]`: run every bench/bench_*.py (or the named ones)."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    for name in names:
        module = importlib.import_module(
            f"bench.{name if name.startswith('bench_') else 'bench_' + name}"
        )
        print(
            f"\n## {module.__name__}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True
        )
        started = time.perf_counter()
        module.run()
        print(f"({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

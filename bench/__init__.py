"""Benchmarks, run by `make bench` (never by `make test`).

Each `bench/bench_*.py` defines `run() -> None`, which prints its figures next to a
baseline measured in the same run (machines here are shared and noisy: read the ratios)."""

"""Minimal CSV loading for `flask seed` (the full importer arrives with issue 6)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from locator.hours import timezone_for
from locator.models import OFFICE_FIELDS, Office

_TRUE = {"1", "true", "yes"}


def read_csv(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def clean_row(raw: dict) -> dict:
    row = {key: (raw.get(key) or "").strip() for key in OFFICE_FIELDS}
    row["lat"] = float(row["lat"]) if row["lat"] else None
    row["lon"] = float(row["lon"]) if row["lon"] else None
    row["demo"] = row["demo"].lower() in _TRUE
    row["country"] = row["country"].upper()
    row["timezone"] = timezone_for(row["country"])
    return row


def upsert(session: Session, rows: list[dict]) -> tuple[int, int, int]:
    """(created, updated, unchanged), matching offices by slug."""
    existing = {o.slug: o for o in session.scalars(select(Office))}
    created = updated = unchanged = 0
    for row in rows:
        office = existing.get(row["slug"])
        if office is None:
            session.add(Office(**row))
            created += 1
        elif any(getattr(office, k) != v for k, v in row.items()):
            for key, value in row.items():
                setattr(office, key, value)
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged

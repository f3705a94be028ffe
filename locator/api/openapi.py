"""The OpenAPI 3.1 description of /api/v1."""

from __future__ import annotations

from locator.geo.nearest import MAX_LIMIT
from locator.models import ACCESSIBILITY, CATEGORIES


def _param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


FILTERS = [
    _param(
        "category", {"type": "string", "enum": list(CATEGORIES)}, "Only offices helping with this."
    ),
    _param(
        "language",
        {"type": "string", "pattern": "^([a-z]{2,3}|sign)$"},
        "Only offices consulting in this ISO 639-1 language.",
    ),
    _param("open_now", {"type": "boolean"}, "Only offices open at the moment of the request."),
]

ERROR_RESPONSE = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def openapi_document(server_url: str) -> dict:
    string_list = {"type": "array", "items": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Help Locator API",
            "version": "1",
            "description": "Find the nearest free legal-aid consulting room.",
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
                            {"type": "string", "pattern": r"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$"},
                            "minlon,minlat,maxlon,maxlat",
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
                    },
                }
            },
            "/offices/nearest": {
                "get": {
                    "summary": "The nearest rooms to a place or to coordinates, nearest first, and the remote help for its area",
                    "parameters": [
                        _param(
                            "near",
                            {"type": "string", "maxLength": 300},
                            "A city or address, or 'lat, lon'.",
                        ),
                        _param(
                            "lat",
                            {"type": "number", "minimum": -90, "maximum": 90},
                            "Latitude (with lon).",
                        ),
                        _param(
                            "lon",
                            {"type": "number", "minimum": -180, "maximum": 180},
                            "Longitude (with lat).",
                        ),
                        _param(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 5},
                            "How many offices.",
                        ),
                        _param(
                            "radius_km",
                            {"type": "number", "exclusiveMinimum": 0, "maximum": 20040},
                            "Only offices within this geodesic distance.",
                        ),
                        *FILTERS,
                    ],
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
                            "schema": {"type": "string"},
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
                "Office": {
                    "type": "object",
                    "required": [
                        "slug",
                        "name",
                        "organization",
                        "address",
                        "city",
                        "region",
                        "postcode",
                        "country",
                        "lat",
                        "lon",
                        "phone",
                        "email",
                        "website",
                        "opening_hours",
                        "open_now",
                        "languages",
                        "categories",
                        "accessibility",
                        "url",
                        "kind",
                        "serves",
                    ],
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "organization": {"type": "string"},
                        "address": {
                            "type": "string",
                            "description": "Empty for phone/online-only offices",
                        },
                        "city": {"type": "string"},
                        "region": {"type": "string"},
                        "postcode": {"type": "string"},
                        "country": {"type": "string", "description": "ISO 3166-1 alpha-2"},
                        "lat": {"type": ["number", "null"]},
                        "lon": {"type": ["number", "null"]},
                        "phone": {"type": "string"},
                        "email": {"type": "string"},
                        "website": {"type": "string"},
                        "opening_hours": {
                            "type": "string",
                            "description": "OpenStreetMap opening_hours syntax",
                        },
                        "open_now": {
                            "type": ["boolean", "null"],
                            "description": "null when unknown",
                        },
                        "next_change": {"type": ["string", "null"], "format": "date-time"},
                        "timezone": {"type": "string"},
                        "languages": {**string_list, "description": "ISO 639-1 codes"},
                        "categories": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(CATEGORIES)},
                        },
                        "accessibility": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(ACCESSIBILITY)},
                        },
                        "description": {"type": "string"},
                        "demo": {"type": "boolean"},
                        "url": {"type": "string", "format": "uri"},
                        "kind": {
                            "type": "string",
                            "enum": ["room", "remote"],
                            "description": "room: a place one can walk into (address and "
                            "coordinates); remote: a hotline, an online or phone reception "
                            "(no distance)",
                        },
                        "serves": {
                            **string_list,
                            "description": "The areas a remote office is for: ISO 3166-2 "
                            "codes (UA-43 Crimea, UA-40 Sevastopol, UA-09 Luhansk oblast…) or "
                            "ISO 3166-1 country codes (UA: the whole country); may be empty "
                            "for a room",
                        },
                    },
                },
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
                                "properties": {
                                    "type": {"const": "Feature"},
                                    "geometry": {"type": "object"},
                                    "properties": {"$ref": "#/components/schemas/Office"},
                                },
                            },
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

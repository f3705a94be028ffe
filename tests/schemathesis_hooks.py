"""Schemathesis hooks for this API; schemathesis.toml loads them (`st run` and the test).

Schemathesis judges a "negative" request by the values it generated, not by the query string
it sent. Inside an exploded object parameter (`origin` on /offices/nearest: `near`, `lat`
and `lon` as separate query parameters) it cannot see that a mutation is sent as a valid
query — the string "0" generated where a number belongs is `lat=0` on the wire, an empty
object is a parameter left out — and reports the valid request the API accepted as
"schema-violating request accepted". `filter_failure` drops exactly those reports: it reads
the parameters back from the query string that was sent, as a server does, and keeps the
report unless they are valid against the operation's own parameter schemas."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import schemathesis
from jsonschema import Draft202012Validator
from schemathesis.core.failures import AcceptedNegativeData

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _types(schema: Any) -> set[str]:
    """The JSON types a (sub)schema admits, through anyOf/oneOf."""
    if not isinstance(schema, dict):
        return set()
    found = schema.get("type", [])
    types = {found} if isinstance(found, str) else set(found)
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            types |= _types(branch)
    return types


def _as_sent(value: str, schema: dict) -> Any:
    """A query value as the schema's type, as the server reads it."""
    if _types(schema) & {"number", "integer"} and _JSON_NUMBER.fullmatch(value):
        return json.loads(value)
    return value


def _valid_on_the_wire(operation_definition: dict, sent: dict[str, str]) -> bool:
    for parameter in operation_definition.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.get("schema", {})
        if schema.get("type") == "object" and parameter.get("explode", True):
            properties = schema.get("properties", {})
            value: Any = {
                name: _as_sent(sent[name], sub) for name, sub in properties.items() if name in sent
            }
        elif parameter["name"] in sent:
            raw = sent[parameter["name"]]
            if raw == "" and parameter.get("allowEmptyValue"):
                continue
            value = _as_sent(raw, schema)
        elif parameter.get("required"):
            return False
        else:
            continue
        if not Draft202012Validator(schema).is_valid(value):
            return False
    return True


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    if not isinstance(failure, AcceptedNegativeData) or response is None:
        return True
    pairs = parse_qsl(urlsplit(response.request.url).query, keep_blank_values=True)
    sent = dict(pairs)
    if len(sent) != len(pairs):  # a repeated parameter: the API must refuse it
        return True
    return not _valid_on_the_wire(case.operation.definition.raw, sent)

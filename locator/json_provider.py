"""Flask's JSON provider on orjson: the same documents as Flask's default provider (keys
sorted, dates as HTTP dates, dataclasses, `__html__`), several times faster to write, which
a nearest-10 answer or the map's data spends a good part of its time on (issue 15).

Only `dumps` and `response` change: reading request bodies stays with the standard library.
What orjson cannot write (an integer beyond 64 bits, NaN) falls back to the default provider,
so no document is refused or changed in meaning."""

from __future__ import annotations

import dataclasses
import decimal
import uuid
from datetime import date
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider
from werkzeug.http import http_date

_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _default(value: Any) -> Any:
    """Flask's own conversions (flask.json.provider._default)."""
    if isinstance(value, date):
        return http_date(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    for kind in (str, int, float):  # a subclass of one (passed through above)
        if isinstance(value, kind):
            return kind(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class OrjsonProvider(DefaultJSONProvider):
    def _bytes(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(obj, default=_default, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: beyond what orjson writes
            return super().dumps(obj).encode()

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # an explicit json.dumps option: the standard library's behaviour
            return super().dumps(obj, **kwargs)
        return self._bytes(obj).decode()

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        if self._app.debug and self.compact is not True:  # pretty, as Flask does in debug
            return super().response(obj)
        return self._app.response_class(self._bytes(obj) + b"\n", mimetype=self.mimetype)

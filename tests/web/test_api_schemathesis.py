"""The API does what its OpenAPI document says: schemathesis, every check, finds nothing.

Schemathesis reads /api/v1/openapi.json and sends what it describes (and what it rules out:
wrong types, out-of-range numbers, empty and repeated parameters, undeclared methods) to
the app with the seed offices, then checks every answer: no 500, a documented status and
media type, a body matching its schema, schema-valid requests accepted and invalid ones
refused, Allow on every 405. A fixed seed and a bounded number of examples keep the run
short and the same every time; `st run http://…/api/v1/openapi.json --checks all` against
a live server (from the repository, which holds schemathesis.toml) explores further."""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
EXAMPLES = 25


@pytest.fixture
def seeded_app(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return app


def _describe(recorder, case_id: str, check) -> str:
    case = recorder.cases[case_id].value
    interaction = recorder.interactions.get(case_id)
    response = interaction.response if interaction else None
    status = response.status_code if response is not None else "no response"
    title = check.failure_info.failure.title if check.failure_info else ""
    return (
        f"{recorder.label}: {check.name} ({title}) — {case.method} {case.formatted_path} "
        f"query={case.query!r} → {status}"
    )


def _uncompressed(app):
    """schemathesis's WSGI transport reads the body as it comes, where an HTTP client would
    undo the Content-Encoding: ask for none (tests/web/test_delivery.py covers compression)."""

    def wsgi(environ, start_response):
        environ.pop("HTTP_ACCEPT_ENCODING", None)
        return app.wsgi_app(environ, start_response)

    return type("Uncompressed", (), {"__call__": staticmethod(wsgi), "wsgi_app": wsgi})()


def test_schemathesis_with_every_check_finds_nothing(seeded_app, tmp_path):
    # The project's settings (the same as `st run` from the repository), with a fixed seed,
    # a bounded run and nothing written to .schemathesis/.
    settings = tomllib.loads(CONFIG.read_text())
    settings |= {
        "seed": 20261201,
        "cache": {"enabled": False},
        "generation": {"max-examples": EXAMPLES, "database": "none"},
    }
    config = schemathesis.Config.from_dict(settings)
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", _uncompressed(seeded_app), config=config
    )
    problems: list[str] = []
    operations: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            operations.add(recorder.label)
            for case_id, checks in recorder.checks.items():
                problems.extend(
                    _describe(recorder, case_id, check)
                    for check in checks
                    if check.status == Status.FAILURE
                )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            problems.append(f"error: {getattr(event, 'info', None) or event.exception}")
    assert not problems, "\n".join(sorted(set(problems)))
    assert operations >= {
        "GET /offices",
        "GET /offices/nearest",
        "GET /offices/{slug}",
        "GET /chat/status",
    }


@pytest.mark.parametrize(
    ("query", "valid"),
    [
        # what schemathesis generated as lat="0" (a string) and open_now={} (nothing sent)
        ("open_now=&category=&lat=0&lon=0.0&near=00", True),
        ("near=Київ&limit=5e0&bbox=ignored", True),
        ("near=Київ&limit=0", False),
        ("lat=50", False),
        ("lat=50&lon=", False),
        ("near=%20%20", False),
        ("near=a%00b", False),
        ("", False),
    ],
)
def test_the_hook_forgives_only_requests_valid_as_sent(client, query, valid):
    from tests.schemathesis_hooks import _valid_on_the_wire

    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/offices/nearest"]["get"]
    sent = dict(parse_qsl(query, keep_blank_values=True))
    assert _valid_on_the_wire(operation, sent) is valid

"""What the logs keep: no client address, no query string, one line per event.

A real gunicorn with the project's gunicorn.conf.py serves requests an attacker would send
(a forged log line in the path, a query with an address, a malformed request line on a
raw socket, a page that fails); then everything it wrote is read."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from locator import logs
from tests.servers import Gunicorn

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Khreshchatyk-22-apt-7"  # stands for a visitor's address in a query string
TOKEN = "Zq3xN8vR2mK7pW4tY6bH1cJ9dL5fG0sA"  # stands for a chat's or a volunteer's token


def logging_server(tmp_path: Path, database_url: str) -> Gunicorn:
    """One gunicorn worker with the project's gunicorn.conf.py (its access and error logs),
    serving `wsgi:app` on `database_url`."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "SITE_URL": "http://help.example.org",
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": "",
        "MAIL_SERVER": "",
        "GEOCODER": "",
    }
    return Gunicorn(env, tmp_path / "gunicorn.log", workers=1).start()


@pytest.fixture
def database_url(app, app_config) -> str:
    """The test's database, with its tables, for the server to use."""
    return app_config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql")


def served_log_lines(server: Gunicorn) -> list[str]:
    """Lines written while serving (gunicorn's own start and stop lines name its bind address)."""
    return [
        line
        for line in server.log().splitlines()
        if "Listening at" not in line and "Starting gunicorn" not in line
    ]


def assert_private(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert SECRET not in text, text
    assert "127.0.0.1" not in text, text
    assert "ip=" not in text, text
    assert "near=" not in text and "lat=" not in text, text


def test_gunicorn_logs_paths_only_one_line_each_and_no_address(tmp_path, database_url):
    server = logging_server(tmp_path, database_url)
    try:
        assert server.get(f"/offices?near={SECRET}") == 404
        assert server.get("/offices/a%0D%0AX:1%0Afake%20line") == 404
        assert server.get(f"/api/v1/offices/nearest?lat=50.45&lon=30.52&near={SECRET}") == 200
        assert server.get("/offices/%D0%BA%D0%B8%D1%97%D0%B2") == 404
        assert server.get(f"/chat/{TOKEN}/messages?after=0") == 404
        assert server.get(f"/volunteer/withdraw/{TOKEN}") in (200, 400, 404)
        malformed = [
            server.raw(request.encode())
            for request in (
                f"GET /offices?near={SECRET}\x01 HTTP/1.1\r\n\r\n",
                f"GET  /offices?near={SECRET} HTTP/1.1\r\n\r\n",
                f"GET /offices?near={SECRET}\r\n\r\n",
                f"GET /offices?near={SECRET} HTTP/1.1\r\nHost: x\r\nBad\x01Header: 1\r\n\r\n",
                f"GET /offices?near={SECRET} HTTP/1.1 x\r\n\r\n",
            )
        ]
    finally:
        server.stop()
    assert all(answer.startswith(b"HTTP/1.1 400") for answer in malformed)
    lines = served_log_lines(server)
    assert_private(lines)
    assert '"GET /offices" 404' in "\n".join(lines)
    assert '"GET /offices/a\\x0d\\x0aX:1\\x0afake line" 404' in "\n".join(lines)
    assert '"GET /offices/київ" 404' in "\n".join(lines)
    # A chat's token or a volunteer's link is someone's only key: never in the log.
    assert TOKEN not in "\n".join(lines)
    assert '"GET /chat/…/messages" 404' in "\n".join(lines)
    assert not any(line.startswith(("X:1", "fake line")) for line in lines)
    invalid = [line for line in lines if "Invalid request" in line]
    assert len(invalid) == 5, lines
    # What was wrong is still there, without the query: "… request line: 'GET /offices'"
    assert sum("/offices" in line for line in invalid) == 3, invalid


def test_an_application_error_is_logged_by_path_on_one_line(tmp_path):
    """A database that cannot be opened: every page fails, and says where in one record."""
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    server = logging_server(tmp_path, f"sqlite:///{missing}")
    try:
        status = server.get(f"/offices/a%0D%0AX:1?near={SECRET}")
    finally:
        server.stop()
    assert status >= 500
    lines = served_log_lines(server)
    assert_private(lines)
    assert not any(line.startswith("X:1") for line in lines), lines
    naming = [line for line in lines if "X:1" in line]
    assert len(naming) >= 2, lines  # the application's record and the access line
    assert all("/offices/a\\x0d\\x0aX:1" in line for line in naming), naming


# --- the filter itself, for what a server is hard to make do -----------------------------


def record(name: str, msg: str, *args) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args or None, None)


def test_gunicorn_error_handling_a_request_keeps_the_path_only():
    entry = record("gunicorn.error", "Error handling request %s %s", "GET", f"/x?near={SECRET}")
    logs.PrivateRecords().filter(entry)
    assert entry.getMessage() == "Error handling request GET /x"


def test_gunicorn_invalid_request_loses_the_address_whatever_its_kind():
    for address in ("203.0.113.9", "2001:db8::7", "::1", ""):
        entry = record(
            "gunicorn.error",
            f"Invalid request from ip={address}: Proxy request from '{address}' not allowed",
        )
        logs.PrivateRecords().filter(entry)
        message = entry.getMessage()
        assert message.startswith("Invalid request: Proxy request from")
        assert not address or address not in message


def test_werkzeug_request_lines_lose_the_address_and_the_query():
    entry = record(
        "werkzeug",
        '127.0.0.1 - - [01/Dec/2026 10:00:00] "%s" %s %s\n',
        f"GET /offices?near={SECRET} HTTP/1.1",
        "200",
        "-",
    )
    logs.PrivateRecords().filter(entry)
    assert entry.getMessage() == '- - - [01/Dec/2026 10:00:00] "GET /offices HTTP/1.1" 200 -\n'


def test_text_the_code_made_keeps_its_lines():
    frames = logs.Verbatim('  File "x.py", line 1, in f\n    g()\n')
    entry = record("locator", "Unhandled %s on %s\n%s", "KeyError", "/a\r\nb", frames)
    logs.PrivateRecords().filter(entry)
    assert (
        entry.getMessage()
        == 'Unhandled KeyError on /a\\x0d\\x0ab\n  File "x.py", line 1, in f\n    g()\n'
    )

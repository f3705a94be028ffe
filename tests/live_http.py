"""Reaching a real server (tests/servers.py) as visitors do: over HTTP on a loopback port.

``Client(port)``: a browser without JavaScript (keeps cookies, sends forms with their CSRF
token); ``get``: one GET, timed; ``open_form`` / ``post`` / ``fire_at_once``: sign-ups sent
the way a browser sends them, all at the same moment.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from tests.volunteers_helpers import csrf_token


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Client:
    """A browser without JavaScript: keeps cookies, follows no redirects."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 60

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(response.status, response.headers, data)

    def get(self, path: str, headers=None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict, headers=None) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, body=body, headers=sent)

    def submit(self, path: str, data: dict) -> Response:
        """Open the form page, then send the form with its CSRF token, as a browser does."""
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        return self.post(path, {**data, "csrf_token": csrf_token(page.text)})


def get(port: int, path: str) -> tuple[int, float]:
    """GET `path`; the status and the seconds it took."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.status, time.monotonic() - started


def open_form(port: int) -> tuple[str, str]:
    """GET /volunteer like a browser: the session cookie and the form's CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/volunteer")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = re.search(r"session=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    conn.close()
    return cookie, csrf_token(html)


def post(port: int, cookie: str, form: dict) -> int:
    body = urllib.parse.urlencode(form, doseq=True)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/volunteer",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={cookie}",
        },
    )
    status = conn.getresponse().status
    conn.close()
    return status


def fire_at_once(port: int, forms: list[dict]) -> list[int]:
    """Post every form to /volunteer at the same moment; their statuses, in order."""
    prepared = [(open_form(port), form) for form in forms]
    start = threading.Barrier(len(prepared))
    statuses: list[int] = [0] * len(prepared)

    def one(i: int) -> None:
        (cookie, token), form = prepared[i]
        start.wait()
        statuses[i] = post(port, cookie, {**form, "csrf_token": token})

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(prepared))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses

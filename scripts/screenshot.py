"""Regenerate docs/screenshot.png: the seeded site's results for Kyiv in Chromium.

Run by `make screenshot`. Tiles cannot load here, so the picture shows the offline basemap."""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from locator import create_app  # noqa: E402
from locator.cli import seed  # noqa: E402
from locator.extensions import db  # noqa: E402


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="locator-shot-"))
    app = create_app(
        {
            "SECRET_KEY": "screenshot",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'shot.sqlite3'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "TILE_URL": "http://127.0.0.1:1/{z}/{x}/{y}.png",
        }
    )
    with app.app_context():
        db.create_all()
        app.test_cli_runner().invoke(seed)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="uk-UA")
        page.goto(f"http://127.0.0.1:{server.server_port}/offices?near=Київ")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()

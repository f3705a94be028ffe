"""The throughput baseline: a bare Flask app answering a small JSON object (no database)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def small_json():
    return {"status": "ok", "offices": 10}

"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from locator import create_app

app = create_app()

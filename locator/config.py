"""Every setting, read from the environment in one place (`.env.example` lists them)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None or value == "" else value.strip().lower() in _TRUE


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def database_url(url: str) -> str:
    """Accept the usual `postgresql://` form and use the psycopg 3 driver for it."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: str) -> dict:
    """Settings for `create_app`, from the environment with embedded defaults."""
    env = os.environ.get
    redis_url = env("REDIS_URL", "")
    sqlite_path = Path(instance_path) / "locator.sqlite3"
    return {
        "SECRET_KEY": env("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url(env("DATABASE_URL") or f"sqlite:///{sqlite_path}"),
        "DATABASE_CONNECT_TIMEOUT": _int("DATABASE_CONNECT_TIMEOUT", 5),  # seconds, PostgreSQL
        "SITE_URL": env("SITE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SITE_NAME": env("SITE_NAME", ""),
        # Behind a load balancer: how many proxies set X-Forwarded-For/-Proto (0: none).
        # Rate limits key on the client's address, which only the proxy knows.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Strict-Transport-Security on answers to HTTPS requests (never on http); behind a
        # proxy the scheme comes from its X-Forwarded-Proto (TRUSTED_PROXIES). 0: off.
        "HSTS_SECONDS": _int("HSTS_SECONDS", 365 * 24 * 3600),
        # Geocoding: the offline gazetteer always answers first; an online geocoder is optional.
        "GEOCODER": env("GEOCODER", "").strip().lower(),  # "" (offline only) or "nominatim"
        "GEOCODER_URL": env("GEOCODER_URL", "https://nominatim.openstreetmap.org"),
        "GEOCODER_USER_AGENT": env("GEOCODER_USER_AGENT", "help-locator/0.1"),
        "GEOCODER_TIMEOUT": _float("GEOCODER_TIMEOUT", 5.0),
        "GEOCODER_MIN_DELAY": _float("GEOCODER_MIN_DELAY", 1.0),  # Nominatim: 1 request/s
        "GEOCODER_CACHE_DAYS": _int("GEOCODER_CACHE_DAYS", 90),
        "GEOCODER_COUNTRIES": env("GEOCODER_COUNTRIES", ""),  # e.g. "ua,md,ge"
        # Maps
        "TILE_URL": env("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "TILE_ATTRIBUTION": env(
            "TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        ),
        "EMBED_FRAME_ANCESTORS": env("EMBED_FRAME_ANCESTORS", "*"),
        # Remote help (hotlines, online receptions) comes before the rooms when no room is
        # this near, and always in the occupied areas (ISO 3166-2 codes, comma-separated)
        "REMOTE_FIRST_KM": _float("REMOTE_FIRST_KM", 50.0),
        "OCCUPIED_AREAS": env("OCCUPIED_AREAS", "UA-43,UA-40"),
        # Online consultation
        "CHAT_HOURS": env("CHAT_HOURS", "Mo-Su 10:00-13:00,14:00-16:00"),
        "CHAT_TIMEZONE": env("CHAT_TIMEZONE", "Europe/Kyiv"),
        "CHAT_URL": env("CHAT_URL", ""),
        # The live chat (/chat, /admin/chat): kept this many days after the last activity
        "CHAT_RETENTION_DAYS": _int("CHAT_RETENTION_DAYS", 30),
        "CHAT_STREAM_SECONDS": _float("CHAT_STREAM_SECONDS", 120.0),  # then the browser reconnects
        "CHAT_HEARTBEAT_SECONDS": _float("CHAT_HEARTBEAT_SECONDS", 15.0),
        "CHAT_POLL_SECONDS": _float("CHAT_POLL_SECONDS", 1.0),  # without Redis: database polling
        # Open streams per process; keep below gunicorn's threads (gunicorn.conf.py)
        "CHAT_STREAMS_PER_PROCESS": _int("CHAT_STREAMS_PER_PROCESS", 80),
        "CHAT_REDIS_PREFIX": env("CHAT_REDIS_PREFIX", "locator:"),  # pub/sub channels
        "HOTLINE": env("HOTLINE", ""),
        # Mail (Flask-Mail's names); with no MAIL_SERVER mail goes to instance/outbox/
        "MAIL_SERVER": env("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": env("MAIL_USERNAME", "") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD", "") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "Help Locator <noreply@localhost>"),
        "MAIL_TIMEOUT": _float("MAIL_TIMEOUT", 10.0),
        # Volunteers, join requests and the support page
        "VOLUNTEER_RATE_LIMIT": env("VOLUNTEER_RATE_LIMIT", "10 per hour"),  # sign-ups per IP
        "SUPPORT_BANK_DETAILS": env("SUPPORT_BANK_DETAILS", ""),
        "SUPPORT_LINKS": env("SUPPORT_LINKS", ""),  # "Label|https://…;;Label|https://…"
        # Rate limits (Flask-Limiter's names); shared through Redis when it is configured
        "REDIS_URL": redis_url,
        # Seconds per Redis connect or command; when Redis is down each process counts alone.
        "REDIS_TIMEOUT": _float("REDIS_TIMEOUT", 0.5),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Languages
        "BABEL_DEFAULT_LOCALE": "uk",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Kyiv",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "locator" / "translations"),
        "LANGUAGES": ("uk", "en"),
        # Sessions and forms
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_LIFETIME_SECONDS", 8 * 3600),
        "WTF_CSRF_TIME_LIMIT": _int("WTF_CSRF_TIME_LIMIT", 8 * 3600),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        # hide_parameters: a database error in the log must not quote people's data.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    }


def instance_secret_key(instance_path: str) -> str:
    """The SECRET_KEY kept in instance/, generated on first run (never committed)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two servers starting at once must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key

"""Help Locator: find the nearest free legal-aid consulting room."""

from __future__ import annotations

from dotenv import load_dotenv
from flask import Flask, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from locator import (
    admin,
    api,
    chat,
    cli,
    config,
    errors,
    feedback,
    i18n,
    mapviews,
    offices,
    poster,
    security,
    statements,
    templating,
    volunteers,
)
from locator.clock import system_now
from locator.extensions import babel, csrf, db, limiter, login_manager, migrate
from locator.geo.service import make_service


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=config.ROOT / "templates",
        static_folder=config.ROOT / "static",
        instance_path=str((overrides or {}).get("INSTANCE_PATH") or config.ROOT / "instance"),
        instance_relative_config=True,
    )
    load_dotenv(config.ROOT / ".env", override=False)  # the real environment wins
    app.config.from_mapping(config.from_environment(app.instance_path))
    app.config.from_mapping(overrides or {})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.instance_secret_key(app.instance_path)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A file never drops a connection: no ping before each request's first query.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,
        }

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    init_extensions(app)
    register_blueprints(app)
    errors.register_error_handlers(app)
    cli.register(app)
    return app


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = None
    i18n.init_app(app)
    security.init_app(app)
    # Tests share one gazetteer (built once, ~1 s) between their apps.
    app.extensions["locator.geo"] = make_service(app.config, app.config.get("GAZETTEER"))
    app.extensions["locator.clock"] = app.config.get("CLOCK") or system_now
    templating.init_app(app)


def register_blueprints(app: Flask) -> None:
    for blueprint in (
        offices.bp,
        api.bp,
        mapviews.bp,
        volunteers.bp,
        poster.bp,
        statements.bp,
        feedback.bp,
        chat.bp,
        admin.bp,
    ):
        app.register_blueprint(blueprint)

    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("img/favicon.svg")

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            return jsonify({"status": "error", "database": "error"}), 503
        return jsonify({"status": "ok", "database": "ok"})

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
    assets,
    chat,
    cli,
    config,
    delivery,
    errors,
    feedback,
    i18n,
    logs,
    mail,
    maps,
    offices,
    offline,
    params,
    posters,
    ratelimit,
    security,
    statements,
    templating,
    volunteers,
)
from locator.chat import admin as chat_admin
from locator.clock import system_now
from locator.extensions import babel, csrf, db, login_manager, migrate
from locator.feedback import admin as feedback_admin
from locator.geo.service import make_service
from locator.json_provider import OrjsonProvider
from locator.offices import admin as offices_admin
from locator.posters import admin as posters_admin
from locator.statements import admin as statements_admin
from locator.volunteers import admin as volunteers_admin


def create_app(overrides: dict | None = None) -> Flask:
    app = security.SiteFlask(
        __name__,
        template_folder=config.ROOT / "templates",
        static_folder=(overrides or {}).get("STATIC_FOLDER") or config.ROOT / "static",
        instance_path=str((overrides or {}).get("INSTANCE_PATH") or config.ROOT / "instance"),
        instance_relative_config=True,
    )
    app.json = OrjsonProvider(app)  # the same documents, written faster (issue 15)
    load_dotenv(config.ROOT / ".env", override=False)  # the real environment wins
    app.config.from_mapping(config.from_environment(app.instance_path))
    app.config.from_mapping(overrides or {})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.instance_secret_key(app.instance_path)
    engine_options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A file never drops a connection: no ping before each request's first query.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**engine_options, "pool_pre_ping": False}
    elif str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        # A database host that does not answer must not hold a worker until TCP gives up.
        connect_args = {"connect_timeout": app.config["DATABASE_CONNECT_TIMEOUT"]}
        connect_args.update(engine_options.get("connect_args", {}))
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**engine_options, "connect_args": connect_args}

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    init_extensions(app)
    app.url_map.converters["int"] = params.IdConverter  # before any route is added
    register_blueprints(app)
    errors.register_error_handlers(app)
    app.wsgi_app = errors.LastResort(app)  # type: ignore[method-assign]
    cli.register(app)
    return app


def init_extensions(app: Flask) -> None:
    delivery.init_app(app)  # first: its after-request hook then runs last
    assets.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    ratelimit.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = None
    i18n.init_app(app)
    logs.init_app(app)
    security.init_app(app)
    # Tests share one gazetteer (built once, ~1 s) between their apps.
    app.extensions["locator.geo"] = make_service(app.config, app.config.get("GAZETTEER"))
    app.extensions["locator.clock"] = app.config.get("CLOCK") or system_now
    mail.init_app(app)  # the mailer every area's mail goes through (locator.mail.current())
    templating.init_app(app)


def register_blueprints(app: Flask) -> None:
    # The coordinators' pages: each area adds its routes and navigation links, in this order.
    admin_bp, admin_nav = admin.create_blueprint()
    offices_admin.register_admin(admin_bp, admin_nav)
    volunteers_admin.register_admin(admin_bp, admin_nav)
    feedback_admin.register_admin(admin_bp, admin_nav)
    chat_admin.register_admin(admin_bp, admin_nav)
    statements_admin.register_admin(admin_bp, admin_nav)
    posters_admin.register_admin(admin_bp, admin_nav)

    for blueprint in (
        offices.bp,
        api.bp,
        maps.bp,
        volunteers.bp,
        posters.bp,
        statements.bp,
        feedback.bp,
        chat.bp,
        admin_bp,
        offline.bp,
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
            errors.discard_session()
            headers = {"Retry-After": str(errors.RETRY_AFTER_SECONDS)}
            return jsonify({"status": "error", "database": "error"}), 503, headers
        return jsonify({"status": "ok", "database": "ok"})

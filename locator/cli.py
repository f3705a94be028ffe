"""The `flask …` commands of SPEC: the site-wide ones here, and each area's group (its
`cli.py` exposes one `AppGroup` named `cli`), all added by `register`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from sqlalchemy import select

from locator import clock, geo, schema
from locator.chat import cli as chat_cli
from locator.config import ROOT
from locator.extensions import db
from locator.mail import cli as mail_cli
from locator.models import User
from locator.offices import cli as offices_cli
from locator.offices import importer
from locator.posters import cli as posters_cli
from locator.statements import cli as statements_cli
from locator.statements.cli import seed_statements
from locator.volunteers import cli as volunteers_cli

SEED_DIR = ROOT / "seed_data"


def register(app: Flask) -> None:
    """Every `flask …` command: a new area adds its group to this list."""
    for command in (
        init_db,
        seed,
        geocode,
        create_admin,
        offices_cli.cli,  # flask offices import|export
        posters_cli.cli,  # flask posters pdf
        statements_cli.cli,  # flask statements import
        volunteers_cli.cli,  # flask volunteers export|purge
        chat_cli.cli,  # flask chat purge
        mail_cli.cli,  # flask mail work|retry
    ):
        app.cli.add_command(command)


@click.command("init-db")
def init_db() -> None:
    """Bring the schema up to date through the migrations (as `flask db upgrade`); keeps rows."""
    schema.upgrade_and_check()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("seed")
def seed() -> None:
    """Load seed_data/ (demonstration offices); running it twice changes nothing."""
    schema.upgrade()
    report = importer.import_file(
        db.session,
        (SEED_DIR / "offices.csv").read_bytes(),
        "csv",
        now=clock.now(),
        user="seed",
        geocode=offices_cli.geocoder(),
    )
    offices_cli.print_report(report, zero_failed=False)
    if not report.ok:
        sys.exit(1)
    seed_statements()


@click.command("geocode")
@click.argument("query")
@click.option("--lang", default="uk", type=click.Choice(["uk", "en"]))
def geocode(query: str, lang: str) -> None:
    """Print what the configured geocoder makes of QUERY."""
    place = geo.current().geocode(db.session, query, lang=lang)
    if place is None:
        click.echo("not found", err=True)
        sys.exit(1)
    click.echo(f"label:     {place.label}")
    click.echo(f"lat:       {place.lat:.6f}")
    click.echo(f"lon:       {place.lon:.6f}")
    click.echo(f"precision: {place.precision}")
    click.echo(f"source:    {place.source}")


@click.command("create-admin")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin(email: str, password_stdin: bool) -> None:
    """Create a coordinator (or reset the password of an existing one)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("not an e-mail address", param_hint="EMAIL")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.UsageError("The password must have at least 10 characters.")
    schema.upgrade()
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email)
        db.session.add(user)
    user.set_password(password)
    db.session.commit()
    current_app.logger.info("coordinator account saved")
    click.echo("Coordinator saved.")

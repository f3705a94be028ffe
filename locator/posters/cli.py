"""`flask posters pdf …`: the poster /poster.pdf would serve, written to a file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from locator import clock, geo
from locator.extensions import db
from locator.geo.search_types import PlaceNotFound
from locator.posters.services import (
    POSTER_LANGS,
    POSTER_SIZES,
    OfficeNotFound,
    PosterRequest,
    build_content,
)
from locator.templating import site_name

cli = AppGroup("posters", help="Posters for notice boards.")


@cli.command("pdf")
@click.option("--lang", type=click.Choice(POSTER_LANGS), default="uk", show_default=True)
@click.option("--size", type=click.Choice(POSTER_SIZES), default="A4", show_default=True)
@click.option("--near", default="", help="A city or an address: lists the nearest offices.")
@click.option("--office", default="", help="An office's slug: a poster for that office.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def pdf_command(lang: str, size: str, near: str, office: str, output: Path) -> None:
    """Write a poster PDF (used by `make poster-png` for the README's picture)."""
    req = PosterRequest(lang=lang, size=size, near=near.strip() or None, office=office or None)
    with current_app.test_request_context("/"):
        try:
            content = build_content(
                db.session,
                geo.current(),
                req,
                config=current_app.config,
                now=clock.now(),
                network=site_name,
            )
        except PlaceNotFound as error:
            raise click.ClickException(f"place not found: {error.query}") from None
        except OfficeNotFound as error:
            raise click.ClickException(f"no active office with the slug {error}") from None
    output.write_bytes(content.render())
    click.echo(f"{output}: {size}, {lang}, {len(content.offices)} offices, QR → {content.qr_url}")

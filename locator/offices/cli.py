"""`flask offices import|export`: the office list to and from CSV, GeoJSON and HSDS files.

Like the other commands, these talk English (the web pages speak the visitor's language).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from locator import clock, geo, schema
from locator.extensions import db
from locator.offices import importer
from locator.offices.importer import FORMATS, ImportReport


def _format_for(path: str, given: str | None) -> str:
    if given:
        return given
    suffix = Path(path).suffix.lower()
    return {".geojson": "geojson", ".json": "hsds"}.get(suffix, "csv")


def geocoder():
    """The configured geocoder (gazetteer, then the online one with its rate limit and cache)."""
    service = geo.current()
    return lambda query: service.geocode(db.session, query, lang="uk")


def print_report(report: ImportReport, *, err: bool = False, zero_failed: bool = True) -> None:
    """The report as lines: each problem with its position, then the summary (which leaves
    out "0 failed" when `zero_failed` is false, as `flask seed` prints it)."""
    echo = lambda text: click.echo(text, err=err)  # noqa: E731
    if report.file_problem is not None:
        where = f"line {report.file_problem.line}: " if report.file_problem.line else ""
        echo(f"Nothing imported. {where}{report.file_problem.render()}")
        return
    for notice in report.notices:
        echo(f"Note: {notice.render()}")
    for row in report.rows:
        label = f"{report.unit} {row.position}" + (f" ({row.slug})" if row.slug else "")
        kind = "error" if row.status == "failed" else "warning"
        for problem in row.problems:
            field = f"{problem.field}: " if problem.field else ""
            echo(f"{label}: {kind}: {field}{problem.render()}")
    prefix = "Dry run, nothing written. Would be: " if report.dry_run else "Offices: "
    echo(f"{prefix}{_counts(report, zero_failed)}.")


def _counts(report: ImportReport, zero_failed: bool = True) -> str:
    counts = f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    return counts + (f", {report.failed} failed" if report.failed or zero_failed else "")


cli = AppGroup("offices", help="Import and export the office list.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Default: from the file name (.csv, .geojson, .json = HSDS).",
)
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option(
    "--batch-size", default=importer.BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000)
)
def import_command(path: str, fmt: str | None, dry_run: bool, batch_size: int) -> None:
    """Upsert offices from PATH by slug. Rows without lat/lon are geocoded from their
    address; a bad row is reported with its line and the others still load. The columns
    `open_now` and `url` of an export are ignored. Exit code 1 when any row failed."""
    fmt = _format_for(path, fmt)
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    schema.upgrade()
    try:
        source = importer.read_source(data, fmt)
    except importer.FileProblem as problem:
        print_report(ImportReport(file_problem=problem, dry_run=dry_run))
        sys.exit(1)
    with click.progressbar(
        length=len(source.rows),
        label=f"Importing {len(source.rows)} offices",
        file=sys.stderr,
        item_show_func=lambda report: report and _counts(report),
    ) as bar:
        report = importer.import_offices(
            db.session,
            source,
            now=clock.now(),
            user=f"import:{Path(path).name}"[:254],
            geocode=geocoder(),
            dry_run=dry_run,
            batch_size=batch_size,
            progress=lambda done, report: bar.update(done, report),
        )
    print_report(report)
    if not report.ok:
        sys.exit(1)


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "-o", "--output", default="-", show_default=True, help="A file, or - for standard output."
)
@click.option(
    "--include-inactive", is_flag=True, help="Also deactivated offices, with an `active` column."
)
def export_command(fmt: str, output: str, include_inactive: bool) -> None:
    """Write every office; importing the file again changes nothing."""
    site = current_app.config["SITE_URL"].rstrip("/")
    options = {
        "include_inactive": include_inactive,
        "url_for_slug": lambda slug: f"{site}/offices/{slug}",
    }
    if output == "-":
        count = importer.export_offices(db.session, fmt, sys.stdout, **options)
        sys.stdout.flush()
    else:
        with open(output, "w", encoding="utf-8", newline="") as out:
            count = importer.export_offices(db.session, fmt, out, **options)
    click.echo(f"Exported {count} offices ({fmt}).", err=True)

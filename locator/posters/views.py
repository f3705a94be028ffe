"""/poster (choose and preview), /poster.pdf (the file), /poster/preview.png."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _

from locator import clock, geo
from locator.extensions import db, limiter
from locator.geo.search_types import PlaceNotFound
from locator.i18n import page_lang
from locator.posters.forms import LANGUAGE_NAMES, PosterForm, form_from_args
from locator.posters.services import (
    OfficeNotFound,
    PosterCache,
    PosterContent,
    PosterRequest,
    build_content,
    count_download,
    data_version,
    request_key,
)
from locator.templating import site_name

bp = Blueprint("posters", __name__)

PREVIEW_HEIGHT = 720  # pixels: sharp at twice the size the page shows it
RENDER_TIMEOUT = 20  # seconds for pdftoppm
FORM_KEYS = ("language", "size", "near", "lat", "lon", "office")


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["locator.posters.cache"] = PosterCache()


def _cache() -> PosterCache:
    return current_app.extensions["locator.posters.cache"]


def _content(req: PosterRequest) -> PosterContent:
    return build_content(
        db.session,
        geo.current(),
        req,
        config=current_app.config,
        now=clock.now(),
        network=site_name,
    )


def _problem(form: PosterForm, error: Exception) -> tuple[int, str]:
    """A failed lookup as the status and the message the form shows."""
    if isinstance(error, PlaceNotFound):
        message = _(
            "We could not find “%(place)s”. Check the spelling, or add the city.",
            place=error.query,
        )
        form.near.errors = [*form.near.errors, message]
        return 404, message
    return 404, _("This consulting room is not in our list (any more).")


def _page(form: PosterForm, status: int = 200, **context):
    return (
        render_template(
            "posters/form.html",
            form=form,
            errors=context.pop("errors", form.messages),
            language_names=LANGUAGE_NAMES,
            can_preview=shutil.which("pdftoppm") is not None,
            **context,
        ),
        status,
    )


@bp.get("/poster")
def form():
    form = form_from_args(request.args, lang_keys=("language",), default_lang=page_lang())
    submitted = any(request.args.get(key, "").strip() for key in FORM_KEYS)
    if not form.validate():
        return _page(form, 400)
    req = form.to_request()
    try:
        content = _content(req)
    except (PlaceNotFound, OfficeNotFound) as error:
        status, message = _problem(form, error)
        return _page(form, status, errors=[message])
    return _page(
        form,
        submitted=submitted,
        req=req,
        content=content,
        pdf_url=url_for("posters.pdf", **req.params()),
        preview_url=url_for("posters.preview", **req.params()),
        locate_url=url_for("posters.form", language=req.lang, size=req.size),
    )


class _Poster:
    """One validated poster request: its content key, and how to make the file if no
    cache has it. A request seen before (same parameters, same office data, same
    settings) skips even building the content: the key is remembered for it."""

    def __init__(self, req: PosterRequest) -> None:
        self.req = req
        count, self.updated = data_version(db.session)
        self._alias = "request:" + request_key(req, (count, self.updated), current_app.config)
        known = _cache().get(self._alias)
        self._content = None if known else _content(req)  # PlaceNotFound, OfficeNotFound
        self.key = known.decode() if known else self._content.key
        _cache().put(self._alias, self.key.encode())

    def pdf(self) -> bytes:
        return _cache().get_or_make(self.key, lambda: self.content.render())[0]

    def png(self) -> bytes:
        return _cache().get_or_make(self.key + "-png", lambda: to_png(self.pdf()))[0]

    @property
    def content(self) -> PosterContent:
        if self._content is None:  # the file fell out of the cache: build it again
            self._content = _content(self.req)
        return self._content

    def response(self, mimetype: str, etag: str) -> Response:
        response = Response(mimetype=mimetype)
        response.set_etag(etag)
        response.last_modified = self.updated
        # A personalised poster names a place: no shared cache should keep it.
        response.cache_control.private = self.req.personalised or None
        response.cache_control.public = (not self.req.personalised) or None
        response.cache_control.max_age = 3600
        return response


def _checked_poster():
    """(poster, None) for /poster.pdf and its preview, or (None, the form page with the error)."""
    form = form_from_args(request.args, lang_keys=("lang", "language"), default_lang=page_lang())
    if not form.validate():
        return None, _page(form, 400)
    try:
        return _Poster(form.to_request()), None
    except (PlaceNotFound, OfficeNotFound) as error:
        status, message = _problem(form, error)
        return None, _page(form, status, errors=[message])


@bp.get("/poster.pdf")
@limiter.limit("60 per minute")
def pdf():
    poster, error_page = _checked_poster()
    if error_page:
        return error_page
    req = poster.req
    response = poster.response("application/pdf", poster.key)
    name = "-".join(filter(None, ("poster", req.lang, req.size, req.office)))
    response.headers.set("Content-Disposition", "inline", filename=f"{name}.pdf")
    if not request.if_none_match.contains(poster.key):
        response.set_data(poster.pdf())
    count_download(db.session, lang=req.lang, size=req.size, personalised=req.personalised)
    return response.make_conditional(request)


@bp.get("/poster/preview.png")
@limiter.limit("60 per minute")
def preview():
    poster, error_page = _checked_poster()
    if error_page:
        return error_page
    if shutil.which("pdftoppm") is None:
        return _page(form_from_args({}, lang_keys=(), default_lang=page_lang()), 404)
    response = poster.response("image/png", poster.key + "-png")
    if not request.if_none_match.contains(poster.key + "-png"):
        response.set_data(poster.png())
    return response.make_conditional(request)


def to_png(pdf_bytes: bytes, height: int = PREVIEW_HEIGHT) -> bytes:
    """The first page as a greyscale PNG, drawn by Poppler from the real PDF."""
    program = shutil.which("pdftoppm")
    if program is None:
        raise FileNotFoundError("pdftoppm (Debian: poppler-utils) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "poster.pdf")
        source.write_bytes(pdf_bytes)
        command = [program, "-png", "-gray", "-singlefile", "-scale-to", str(height)]
        subprocess.run(  # noqa: S603 — a fixed program on our own temporary files
            [*command, str(source), str(Path(tmp, "page"))],
            check=True,
            capture_output=True,
            timeout=RENDER_TIMEOUT,
        )
        return Path(tmp, "page.png").read_bytes()

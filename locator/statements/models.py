"""Statements the network publishes, with the places they mention."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from locator.extensions import db
from locator.models import utcnow
from locator.statements.rendering import render_markdown


class Statement(db.Model):
    """A published statement. `body_html` is rendered (and sanitised) whenever `body_md`
    is set, so pages never render Markdown and never show unsanitised HTML.

    `places` is a list of {"label", "lat", "lon", "precision", "country"} found in the text
    when it is saved; `places_manual` marks a list a coordinator corrected, which
    re-imports and edits of the text keep."""

    __tablename__ = "statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    published: Mapped[date] = mapped_column(Date, index=True)
    lang: Mapped[str] = mapped_column(String(5), default="uk", index=True)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    places: Mapped[list] = mapped_column(JSON, default=list)
    places_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @validates("body_md")
    def _render(self, _key: str, value: str) -> str:
        self.body_html = render_markdown(value or "")
        return value or ""

    @property
    def place_labels(self) -> list[str]:
        return [place["label"] for place in self.places or []]

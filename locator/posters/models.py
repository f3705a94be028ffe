"""Poster download counts: one row per (language, size, personalised), nothing about people."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from locator.extensions import db


class PosterDownload(db.Model):
    """How many posters of one kind were handed out. No IP, no place, no time of day:
    a counter is all coordinators need to see which posters people print."""

    __tablename__ = "poster_download"

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8))
    size: Mapped[str] = mapped_column(String(4))
    personalised: Mapped[bool] = mapped_column(Boolean)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("lang", "size", "personalised", name="uq_poster_download_kind"),
    )

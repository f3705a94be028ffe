"""Print-ready notice-board posters as PDF.

No Flask here: the web layer translates every string (in the poster's language,
which may differ from the page's) and passes plain data in, so this module can
be used from the CLI, the benchmark and tests alike, and its output depends on
its arguments only (reportlab's ``invariant`` mode: same input, same bytes —
which is what lets the web layer derive an ETag from the parameters).

Layout, in A4 units (A3 is the same poster scaled by √2, so type grows with it):
a black band with the network's name, the headline (≥ 48 pt), a sub-headline,
what the network helps with in two columns, the hotline and the online
consultation with its hours, and at the bottom the QR code beside either the
nearest offices or an invitation to find them. Black on white only, so it
survives a photocopier; margins of 18 mm survive home printers.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

import segno
from reportlab import rl_config
from reportlab.lib.colors import black, white
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepInFrame, Paragraph

# ASCII85 only matters for 7-bit mail transports; without it PDFs are ~20 % smaller
# and faster to write. (A process-wide reportlab setting; this is its only PDF user.)
rl_config.useA85 = 0

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "A3": A3}
MARGIN = 18 * mm  # in A4 units; 25 mm on A3
HEADLINE_PT = 50  # in A4 units; 71 pt on A3
QR_SIDE = 150  # points, in A4 units (53 mm): scans from a step away
QR_SIDE_ALONE = 170  # when no offices share the bottom of the poster
MIN_FIT = 0.75  # the body type may shrink to 75 % to fit; the headline never does


class PosterError(ValueError):
    """The poster cannot be made from these arguments (unknown size, …)."""


@dataclass(frozen=True)
class PosterOffice:
    """One office as the poster shows it; every string already in the poster's language."""

    name: str
    address: str
    phone: str = ""
    hours: str = ""  # opening hours in words, e.g. "Mon–Fri 9:00–18:00"
    distance: str = ""  # already formatted, e.g. "1.2 km"


@dataclass(frozen=True)
class PosterTexts:
    """Every sentence on the poster, translated by the caller."""

    network: str  # the black band: "Legal aid network"
    headline: str  # "Free legal consultation"
    subheadline: str  # "Need legal advice? Our lawyer will give it free of charge."
    helps_title: str  # "We help with:"
    helps: Sequence[str]  # family disputes, labour, housing, …
    hotline_label: str  # "Hotline:"
    online_title: str  # "Online consultation:"
    nearest_title: str  # "Consulting rooms nearest to you:"
    find_text: str  # unpersonalised poster: "Find the nearest consulting room: …"
    scan_text: str  # above the QR code: "Scan with your phone"
    phone_label: str = ""  # before an office's phone, e.g. "Tel."
    hours_label: str = ""  # before an office's hours, e.g. "Hours:"


@functools.cache
def _fonts() -> tuple[str, str]:
    """Register the shipped TTFs once per process (parsing them is the slow part)."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    return FONT, FONT_BOLD


@functools.cache
def _covered() -> frozenset[int]:
    """Code points both faces can draw: anything else would print as an empty box."""
    _fonts()
    regular = pdfmetrics.getFont(FONT).face.charToGlyph
    bold = pdfmetrics.getFont(FONT_BOLD).face.charToGlyph
    return frozenset(regular.keys() & bold.keys())


_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2028\u2029]+")


@functools.lru_cache(maxsize=4096)
def clean_text(value: str) -> str:
    """Printable text only: spaces collapsed, control and unprintable characters dropped."""
    value = _SPACES.sub(" ", unicodedata.normalize("NFC", value or "")).strip()
    covered = _covered()
    bad = {ch for ch in set(value) if ord(ch) not in covered or unicodedata.category(ch)[0] == "C"}
    return "".join(ch for ch in value if ch not in bad).strip() if bad else value


def _markup(value: str) -> str:
    """Paragraph parses XML-ish markup: data must reach it escaped, always."""
    return escape(clean_text(value))


def display_url(url: str, limit: int = 60) -> str:
    """A URL as a person would type it: no scheme, readable letters, or just the host."""
    parts = urlsplit(url)
    shown = unquote(
        parts.netloc + parts.path.rstrip("/") + ("?" + parts.query if parts.query else "")
    )
    return shown if len(shown) <= limit else parts.netloc


class _Styles:
    """Paragraph styles for one page size: `u` scales from A4, `fit` shrinks the body."""

    def __init__(self, u: float, fit: float) -> None:
        regular, bold = _fonts()

        def style(
            name: str,
            size: float,
            *,
            font: str = regular,
            lead: float = 1.22,
            align: int = TA_LEFT,
            color=black,
            **kw,
        ) -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=font,
                fontSize=size * u,
                leading=size * u * lead,
                alignment=align,
                textColor=color,
                **kw,
            )

        self.band = style("band", 15, font=bold, color=white)
        self.headline = style("headline", HEADLINE_PT, font=bold, lead=1.08)
        self.sub = style("sub", 18 * fit, spaceBefore=6 * u)
        self.helps_title = style("helps_title", 18 * fit, font=bold, spaceBefore=14 * u * fit)
        self.item = style(
            "item",
            15 * fit,
            lead=1.15,
            leftIndent=19 * fit * u,  # past the bullet: wrapped lines align with the first
            bulletFontName=bold,
            bulletFontSize=15 * fit * u,
            spaceBefore=5 * u * fit,
        )
        self.hotline = style("hotline", 24, font=bold, spaceBefore=14 * u * fit)  # never shrunk
        self.online = style("online", 16 * fit, spaceBefore=8 * u * fit)
        self.nearest_title = style("nearest_title", 16 * fit, font=bold)
        self.office_name = style(
            "office_name", 14 * fit, font=bold, lead=1.15, spaceBefore=8 * u * fit
        )
        self.office = style("office", 12.5 * fit, lead=1.18)
        self.find = style("find", 19, lead=1.25)
        self.find_url = style("find_url", 19, font=bold, spaceBefore=8 * u)
        self.scan = style("scan", 12, font=bold, align=TA_CENTER)
        self.url = style("url", 11, align=TA_CENTER)


def _height(flowable, width: float) -> float:
    return flowable.wrap(width, 1e6)[1]


class _Columns:
    """Two columns of paragraphs, balanced, each flowing on its own (a flowable's interface)."""

    def __init__(self, items: Sequence[Paragraph], gap: float) -> None:
        self.items, self.gap = list(items), gap
        self.split = self.height = 0.0

    # getSpaceBefore / wrap / drawOn: the names reportlab's flowables use.
    def getSpaceBefore(self) -> float:
        return self.items[0].getSpaceBefore() if self.items else 0.0

    def wrap(self, width: float, _height: float) -> tuple[float, float]:
        col_w = (width - self.gap) / 2
        heights = [
            p.wrap(col_w, 1e6)[1] + (p.getSpaceBefore() if i else 0.0)
            for i, p in enumerate(self.items)
        ]
        # The left column is the longer one; the split is where the taller column is shortest.
        best = None
        for k in range((len(heights) + 1) // 2, len(heights) + 1):
            right = heights[k:]
            if right:
                right = [right[0] - self.items[k].getSpaceBefore(), *right[1:]]
            tallest = max(sum(heights[:k]), sum(right))
            if best is None or tallest < best[0] - 0.01:
                best = (tallest, k)
        self.height, self.split = best if best else (0.0, 0)
        self.col_w = col_w
        return width, self.height

    def drawOn(self, c: Canvas, x: float, y: float) -> None:
        for col, items in enumerate((self.items[: self.split], self.items[self.split :])):
            top = y + self.height
            for i, p in enumerate(items):
                top -= p.getSpaceBefore() if i else 0.0
                p.drawOn(c, x + col * (self.col_w + self.gap), top - p.height)
                top -= p.height


class _Layout:
    """The offer: band, headline, what we help with, hotline, online consultation.

    Built and measured for one `fit`, then drawn from the top margin down.
    """

    def __init__(
        self,
        texts: PosterTexts,
        u: float,
        fit: float,
        inner: float,
        gap: float,
        site_url: str,
        hotline: str,
        chat_hours: str,
    ) -> None:
        self.st = st = _Styles(u, fit)
        self.inner = inner
        self.band = Paragraph(_markup(texts.network), st.band)
        self.band_pad = 9 * u
        self.band_h = _height(self.band, inner - 4 * self.band_pad) + 2 * self.band_pad
        helps = [
            Paragraph(_markup(h), st.item, bulletText="•") for h in texts.helps if clean_text(h)
        ]
        self.blocks: list = [
            Paragraph(_markup(texts.headline), st.headline),
            Paragraph(_markup(texts.subheadline), st.sub),
            Paragraph(_markup(texts.helps_title), st.helps_title),
            _Columns(helps, gap),
        ]
        if clean_text(hotline):
            self.blocks.append(
                Paragraph(f"{_markup(texts.hotline_label)} {_markup(hotline)}", st.hotline)
            )
        online = (
            f"<font name='{FONT_BOLD}'>{_markup(texts.online_title)}</font> "
            f"{_markup(display_url(site_url))}"
        )
        if clean_text(chat_hours):
            online += " — " + _markup(chat_hours)
        self.blocks.append(Paragraph(online, st.online))
        self.headline_space = 14 * u
        self.height = (
            self.band_h
            + self.headline_space
            + sum(b.getSpaceBefore() + _height(b, inner) for b in self.blocks)
        )

    def draw(self, c: Canvas, x: float, top: float) -> float:
        """Draw from `top` down; returns the y where the offer ends."""
        c.setFillColor(black)
        c.rect(x, top - self.band_h, self.inner, self.band_h, stroke=0, fill=1)
        self.band.wrap(self.inner - 4 * self.band_pad, self.band_h)
        self.band.drawOn(c, x + 2 * self.band_pad, top - self.band_h + self.band_pad)
        y = top - self.band_h - self.headline_space
        for block in self.blocks:
            y -= block.getSpaceBefore()
            h = _height(block, self.inner)  # wraps it, ready to draw
            block.drawOn(c, x, y - h)
            y -= h
        return y


def _where_story(
    texts: PosterTexts, offices: Sequence[PosterOffice], site_url: str, st: _Styles, u: float
) -> list[Paragraph]:
    """Beside the QR code: the nearest offices, or how to find them."""
    if not offices:
        return [
            Paragraph(_markup(texts.find_text), st.find),
            Paragraph(_markup(display_url(site_url)), st.find_url),
        ]
    story = [Paragraph(_markup(texts.nearest_title), st.nearest_title)]
    for office in offices:
        name = _markup(office.name)
        if clean_text(office.distance):
            name += " · " + _markup(office.distance)
        story.append(Paragraph(name, st.office_name))
        for label, value in (
            ("", office.address),
            (texts.phone_label, office.phone),
            (texts.hours_label, office.hours),
        ):
            if clean_text(value):
                prefix = _markup(label) + " " if clean_text(label) else ""
                story.append(Paragraph(prefix + _markup(value), st.office))
    return story


@functools.lru_cache(maxsize=256)
def _qr_runs(url: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR code's dark modules as horizontal runs (row, start, length), quiet zone included."""
    rows = list(segno.make(url, error="m", micro=False).matrix_iter(scale=1, border=4))
    runs = []
    for r, row in enumerate(rows):
        start = None
        for col, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((len(rows) - 1 - r, start, col - start))
                start = None
    return len(rows), tuple(runs)


def _draw_qr(c: Canvas, url: str, x: float, y: float, side: float) -> None:
    """The QR code as vector squares in one path: crisp at any size, a few KB."""
    n, runs = _qr_runs(url)
    c.saveState()
    c.translate(x, y)
    c.scale(side / n, side / n)  # one unit per module: integer coordinates below
    path = c.beginPath()
    for row, start, length in runs:
        path.rect(start, row, length, 1)
    c.setFillColor(black)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def render_poster(
    *,
    lang: str,
    size: str,
    site_url: str,
    qr_url: str,
    texts: PosterTexts,
    hotline: str = "",
    chat_hours: str = "",
    offices: Sequence[PosterOffice] = (),
) -> bytes:
    """The poster as PDF bytes, deterministic for the same arguments.

    ``site_url`` is the address printed for people without a QR reader;
    ``qr_url`` what the QR code opens (the site, or the results for a place);
    ``chat_hours`` the online consultation's hours in words; ``offices`` the
    two or three nearest, when the poster is personalised.
    """
    if size not in PAGE_SIZES:
        raise PosterError(f"unknown poster size {size!r}")
    if not qr_url:
        raise PosterError("a poster needs a QR code target")
    _fonts()
    width, height = PAGE_SIZES[size]
    u = width / A4[0]
    margin = MARGIN * u
    inner = width - 2 * margin
    gap = 14 * u
    qr_side = (QR_SIDE if offices else QR_SIDE_ALONE) * u
    cap_w = qr_side + 30 * u
    left_w = inner - cap_w - gap

    # Measure first: should long translations, a long hotline or long office
    # names not fit, the body type (never the headline) gets smaller, down to
    # 75 %; whatever still does not fit in the offices' box is shrunk there.
    # Nothing ever runs off the page.
    fit = 1.0
    for _attempt in range(6):
        layout = _Layout(texts, u, fit, inner, gap, site_url, hotline, chat_hours)
        scan = Paragraph(_markup(texts.scan_text), layout.st.scan)
        url_p = Paragraph(_markup(display_url(qr_url)), layout.st.url)
        scan_h, url_h = _height(scan, cap_w), _height(url_p, cap_w)
        qr_block = scan_h + 4 * u + qr_side + 2 * u + url_h
        story = _where_story(texts, offices, site_url, layout.st, u)
        story_h = sum(_height(f, left_w) + f.getSpaceBefore() for f in story)
        needed = layout.height + 2 * gap + max(qr_block, story_h)
        if needed <= height - 2 * margin or fit <= MIN_FIT:
            break
        # Only part of the page shrinks with the type, so scale by the whole overflow:
        # usually one more try fits, slightly smaller than strictly needed.
        fit = max(MIN_FIT, min(fit - 0.02, fit * (height - 2 * margin) / needed - 0.01))

    buf = io.BytesIO()
    c = Canvas(
        buf,
        pagesize=(width, height),
        invariant=1,
        pageCompression=1,
        initialFontName=FONT,
        lang=lang or None,
    )
    c.setTitle(clean_text(f"{texts.headline} — {texts.network}"))
    c.setAuthor(clean_text(texts.network))
    c.setSubject(clean_text(texts.subheadline))
    c.setCreator("Help Locator")

    y = layout.draw(c, margin, height - margin)

    # A rule between the offer and the "where" part.
    y -= gap
    c.setStrokeColor(black)
    c.setLineWidth(2.5 * u)
    c.line(margin, y, width - margin, y)
    y -= gap

    # The QR code, bottom right: what it does above, the address below.
    cap_x = width - margin - cap_w
    url_p.wrap(cap_w, 1e6)
    url_p.drawOn(c, cap_x, margin)
    qr_y = margin + url_h + 2 * u
    _draw_qr(c, qr_url, width - margin - qr_side, qr_y, qr_side)
    scan.wrap(cap_w, 1e6)
    scan.drawOn(c, cap_x, qr_y + qr_side + 4 * u)

    # Left of it, from the rule down: the nearest offices, or how to find them.
    box = KeepInFrame(left_w, y - margin, story, mode="shrink", vAlign="TOP")
    _, box_h = box.wrapOn(c, left_w, y - margin)
    box.drawOn(c, margin, y - box_h)

    c.showPage()
    c.save()
    return buf.getvalue()

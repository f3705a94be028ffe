"""Statement Markdown to HTML that is safe to show: ``markdown`` renders, ``nh3`` sanitises.

Whatever the Markdown holds (raw HTML, ``<script>``, ``javascript:`` links, ``onclick``
attributes, images from other hosts), the result carries only the tags and attributes
below; links get ``rel="nofollow noopener"``. Headings move one level down, so a statement's
``# heading`` does not compete with the page's own ``<h1>``.
"""

from __future__ import annotations

import re

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "ins", "sub", "sup", "mark", "small", "blockquote", "q", "cite", "code", "pre",
    "kbd", "ul", "ol", "li", "dl", "dt", "dd", "a", "abbr", "table", "caption", "thead",
    "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
LINK_REL = "nofollow noopener"
# No <img>: a picture from another host would make the page load something from it.

_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def _demote(match: re.Match) -> str:
    return f"<{match[1]}h{min(int(match[2]) + 1, 6)}"


def render_markdown(text: str) -> str:
    """Sanitised HTML for a statement body written in Markdown."""
    html = markdown.markdown(
        text or "",
        extensions=["sane_lists", "tables", "fenced_code"],
        output_format="html",
    )
    html = _HEADING.sub(_demote, html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def plain_text(html_or_markdown: str, limit: int | None = None) -> str:
    """Text without tags, spaces collapsed, for summaries and feeds."""
    text = nh3.clean(html_or_markdown or "", tags=set(), clean_content_tags={"script", "style"})
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = text.replace("&quot;", '"').replace("&#39;", "'")
    text = re.sub(r"\s+", " ", text).strip()
    if limit is not None and len(text) > limit:
        cut = text[: limit + 1]
        text = (cut[: cut.rfind(" ")] if " " in cut else cut[:limit]).rstrip(" ,;:") + "…"
    return text

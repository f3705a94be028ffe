"""An Atom 1.0 feed (RFC 4287), built with the standard library; no Flask here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    url: str
    published: datetime
    updated: datetime
    summary: str
    content_html: str
    lang: str
    categories: tuple[str, ...] = ()


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    element.text = text
    return element


def _link(parent: ET.Element, href: str, rel: str, type_: str | None = None) -> None:
    attrs = {"href": href, "rel": rel}
    if type_:
        attrs["type"] = type_
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", attrs)


def atom_feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    site_url: str,
    author: str,
    updated: datetime,
    lang: str,
    entries: list[FeedEntry],
) -> bytes:
    """The feed document as UTF-8 bytes. Datetimes must be timezone-aware."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {f"{{{XML_NS}}}lang": lang})
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", updated.isoformat(timespec="seconds"))
    author_element = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author_element, "name", author)
    _text(author_element, "uri", site_url)
    _link(feed, self_url, "self", "application/atom+xml")
    _link(feed, site_url, "alternate", "text/html")
    for item in entries:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry", {f"{{{XML_NS}}}lang": item.lang})
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "published", item.published.isoformat(timespec="seconds"))
        _text(entry, "updated", item.updated.isoformat(timespec="seconds"))
        _link(entry, item.url, "alternate", "text/html")
        for term in item.categories:
            ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": term})
        _text(entry, "summary", item.summary)
        _text(entry, "content", item.content_html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

"""The Ukrainian catalogue: every string translated, nothing fuzzy, placeholders intact.

Ukrainian is the site's default language, so an empty msgstr shows English to every
visitor and a lost `%(name)s` makes the page fail with a KeyError. Run `make translations`,
fill in what this test lists, then `make compile`.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "locator" / "translations" / "uk" / "LC_MESSAGES" / "messages.po"

# Python %-format placeholders: %(name)s, %(n)d, %s, %d …; "%%" is a literal percent sign.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifeEgGxXocr]")


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text.replace("%%", "")))


def _forms(value) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)


@pytest.fixture(scope="module")
def catalog():
    with PO_PATH.open("rb") as handle:
        return read_po(handle, locale="uk")


def _messages(catalog):
    return [m for m in catalog if m.id]


def test_the_catalogue_is_ukrainian_and_has_messages(catalog):
    assert str(catalog.locale) == "uk"
    assert len(_messages(catalog)) >= 50


def test_every_message_is_translated(catalog):
    empty = [
        _forms(m.id)[0]
        for m in _messages(catalog)
        if not all(form.strip() for form in _forms(m.string))
    ]
    assert not empty, "Untranslated in uk/messages.po:\n" + "\n".join(f"  {m!r}" for m in empty)


def test_no_message_is_fuzzy(catalog):
    fuzzy = [_forms(m.id)[0] for m in _messages(catalog) if m.fuzzy]
    assert not fuzzy, "Fuzzy (unchecked) in uk/messages.po:\n" + "\n".join(
        f"  {m!r}" for m in fuzzy
    )


def test_placeholders_are_kept(catalog):
    wrong = []
    for m in _messages(catalog):
        ids = _forms(m.id)
        expected = placeholders(ids[-1])
        for form in _forms(m.string):
            if form and placeholders(form) != expected:
                # Plural forms may drop the count only when it is spelled out as a word.
                if len(ids) > 1 and set(placeholders(form)) <= set(expected):
                    continue
                wrong.append(f"  {ids[0]!r}: expected {expected}, got {placeholders(form)}")
    assert not wrong, "Placeholders differ in uk/messages.po:\n" + "\n".join(wrong)


def _cli_directory_filter(path: str) -> bool:
    """Skip only ".*" folders, as `make translations` (--ignore-dirs=".*") does: babel's
    default also skips "_…" ones, which would miss templates/_partials and _macros."""
    return not fnmatch.fnmatch(os.path.basename(path), ".*")


def test_every_string_in_the_code_is_in_the_catalogue(catalog):
    """The same extraction as `make translations` (babel.cfg, keywords _l, lazy_gettext)."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords, directory_filter=_cli_directory_filter
    ):
        found.setdefault(_forms(message)[0], f"{filename}:{lineno}")
    known = {_forms(m.id)[0] for m in _messages(catalog)}
    missing = [
        f"  {msgid!r} ({where})" for msgid, where in sorted(found.items()) if msgid not in known
    ]
    assert not missing, (
        "Not in uk/messages.po (run `make translations`, then translate):\n" + "\n".join(missing)
    )


def test_catalogue_parses_strictly():
    """A syntax error (e.g. a broken merge) would otherwise drop messages silently."""
    with PO_PATH.open("rb") as handle:
        read_po(handle, locale="uk", abort_invalid=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Closes at %(when)s.", ["%(when)s"]),
        ("%(km)s km, %(n)d offices", ["%(km)s", "%(n)d"]),
        ("100%% free", []),
        ("plain", []),
    ],
)
def test_placeholder_finder(text, expected):
    assert placeholders(text) == sorted(expected)

"""Read statements from files: Markdown with front matter, or a page as the site shows it.

No Flask here: the importer (``services.py``) and the CLI call these functions and store
what they return. A bad file raises ``StatementParseError`` naming the file, so a folder
import can report it and go on with the others.

A page "as the site shows it" is the plain text of a statement page of the network's site:
some navigation and a help banner, the title, a ``Publication date: …`` line (English,
Ukrainian or Russian), often the date once more, the statement, and then the blocks every
page carries (error-report prompt, share, poster, volunteer, consultation and chat hours),
partly in other languages. ``parse_page`` keeps the title, the date and the statement.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

LANGUAGES = ("uk", "en", "ru")
MAX_FILE_BYTES = 2_000_000
MAX_TITLE = 300
MAX_SLUG = 80
MAX_BODY = 200_000
MAX_TAGS = 20
MAX_TAG = 50
MAX_PLACES = 30
MAX_PLACE = 100
MAX_URL = 500
FILE_SUFFIXES = (".md", ".markdown", ".txt")


class StatementParseError(ValueError):
    """A statement file that cannot be read; ``str()`` names the file."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


@dataclass
class ParsedStatement:
    title: str
    published: date
    lang: str
    slug: str
    body_md: str
    source_url: str | None = None
    tags: list[str] = field(default_factory=list)
    # Place names the author gave in the front matter; None: detect them from the text.
    places: list[str] | None = None
    source: str = ""


# --- dates -------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan січня січень января январь",
        "february feb лютого лютий февраля февраль",
        "march mar березня березень марта март",
        "april apr квітня квітень апреля апрель",
        "may травня травень мая май",
        "june jun червня червень июня июнь",
        "july jul липня липень июля июль",
        "august aug серпня серпень августа август",
        "september sep sept вересня вересень сентября сентябрь",
        "october oct жовтня жовтень октября октябрь",
        "november nov листопада листопад ноября ноябрь",
        "december dec грудня грудень декабря декабрь",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_DATE_TAIL = r"(?:\s*(?:р\.|року|рік|г\.|года|год))?\.?"
_DATE_FORMS = [
    ("ymd", re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")),
    ("dmy", re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})" + _DATE_TAIL)),
    ("mdy_name", re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})" + _DATE_TAIL)),
    ("dmy_name", re.compile(r"(\d{1,2})\s+([^\W\d_]+)\.?,?\s+(\d{4})" + _DATE_TAIL)),
]


def parse_date(text: str) -> date:
    """A date written as on the site ("January 10, 2022", "10 січня 2022 р.", "10.01.2022").

    Raises ValueError for anything else or for an impossible date.
    """
    value = _normalise(text).strip().lower()
    for form, pattern in _DATE_FORMS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        a, b, c = match.groups()
        if form == "ymd":
            year, month, day = int(a), int(b), int(c)
        elif form == "dmy":
            day, month, year = int(a), int(b), int(c)
        elif form == "mdy_name":
            if a not in _MONTHS:
                continue
            month, day, year = _MONTHS[a], int(b), int(c)
        else:
            if b not in _MONTHS:
                continue
            day, month, year = int(a), _MONTHS[b], int(c)
        return date(year, month, day)  # ValueError for 30 February
    raise ValueError(f"not a date: {text!r}")


def _try_date(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None


# --- text helpers ------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _normalise(text: str) -> str:
    """NFC, one kind of space, no zero-width characters."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u200b", "").replace("\ufeff", "").replace("\u00ad", "")
    return _SPACES.sub(" ", text)


def _fold(text: str) -> str:
    """Lower case with Latin look-alikes of Ukrainian letters made Cyrillic, for matching."""
    text = text.lower().replace("’", "'").replace("ʼ", "'")
    # The site's own text mixes Latin "i" into Ukrainian words ("експертiв"): make it "і"
    # when it touches a Cyrillic letter.
    return re.sub(r"(?<=[а-яєіїґ'])i|i(?=[а-яєіїґ])", "і", text)


_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "ё": "e", "ы": "y", "э": "e", "ъ": "", "ә": "a", "ғ": "g", "қ": "k",
    "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "'": "", "’": "", "ʼ": "",
}  # fmt: skip


def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """A URL slug: Latin letters, digits and hyphens; Cyrillic transliterated."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in _normalise(text).lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else cut[:max_length]
    return slug.strip("-")


_UK_LETTERS = set("єіїґ")
_RU_LETTERS = set("ёыэъ")
_UK_WORDS = {"і", "та", "що", "це", "як", "або", "його", "вона", "вони", "є", "ви", "ми"}
_RU_WORDS = {"и", "что", "это", "как", "или", "его", "она", "они", "есть", "вы", "мы"}


def guess_language(text: str) -> str | None:
    """The language of a line: en, uk, ru, "cyrillic" (uk or ru) or None (too short)."""
    folded = _fold(text)
    letters = [ch for ch in folded if ch.isalpha()]
    if len(letters) < 3:
        return None
    latin = sum("a" <= ch <= "z" for ch in letters)
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in letters)
    if latin >= 0.7 * len(letters):
        return "en"
    if cyrillic < 0.6 * len(letters):
        return None
    words = re.findall(r"[^\W\d_]+", folded)
    uk = sum(ch in _UK_LETTERS for ch in letters) + sum(w in _UK_WORDS for w in words)
    ru = sum(ch in _RU_LETTERS for ch in letters) + sum(w in _RU_WORDS for w in words)
    if uk > ru:
        return "uk"
    if ru > uk:
        return "ru"
    return "cyrillic"


def _is_foreign(line: str, lang: str) -> bool:
    guess = guess_language(line)
    if guess is None:
        return False
    if lang == "en":
        return guess != "en"
    return guess == "en" or (guess in LANGUAGES and guess != lang)


# --- site chrome -------------------------------------------------------------------------

_SOCIAL = (
    r"facebook|twitter|x|telegram|viber|whatsapp|instagram|youtube|linkedin|tiktok|vk|"
    r"вконтакте|e-?mail|rss"
)
# Lines that are never part of a statement, wherever they stand.
_STRONG_CHROME = [
    re.compile(rf"^(?:{_SOCIAL})(?:\s*[|/·•,]\s*(?:{_SOCIAL}))*$"),
    re.compile(r"ctrl\s*[-+]?\s*enter"),
    re.compile(r"^[×✕✖x]$"),
]
# Lines typical of the blocks around a statement; they end the statement or are dropped
# at its edges, never from its middle.
_CHROME = [
    *_STRONG_CHROME,
    re.compile(
        r"(потр[іi]бна|нужна|need)\b.{0,30}(консультац|consultation|legal advice|legal aid)"
    ),
    re.compile(r"(наш[іi]? юрист|our lawyer).{0,60}(безкоштовно|бесплатно|free)"),
    re.compile(r"безкоштовн.{0,30}(консультац|правов)|бесплатн.{0,30}(консультац|правов)"),
    re.compile(r"(знайшли|нашли|found|notice[sd]?)\b.{0,20}(помилку|ошибку|an error|a mistake)"),
    re.compile(r"(inform|report|повідомити|сообщить)\b.{0,15}(error|mistake|помилк|ошибк)"),
    re.compile(
        r"^(share|поділитися|поделиться)\b|(share|поділ[іi]ться|поделитесь).{0,20}"
        r"(social|соц)|соцмереж|соцсет"
    ),
    re.compile(
        r"(print|надрукуйте|роздрукуйте|распечатайте|друк\w*)\b.{0,60}"
        r"(poster|плакат|постер|листівк|листовк)"
    ),
    re.compile(r"^(poster|плакат|постер)$"),
    re.compile(r"(become|станьте|стань|стати|стать)\b.{0,10}(volunteer|волонтер)"),
    re.compile(
        r"графік роботи|график работы|chat hours|working hours|години роботи|"
        r"обідня перерва|обеденный перерыв|lunch break|щодня|ежедневно|daily"
    ),
    re.compile(
        r"поставте питання|задайте (свой )?вопрос|ask (us )?a question|"
        r"онлайн[- ]консультац|online consultation"
    ),
    re.compile(
        r"(find|знайдіть|найдите)\b.{0,30}(consulting room|office|приймальн|офіс|офис|"
        r"консультац)"
    ),
    re.compile(
        r"(have you found|знайшли своє|нашли свое).{0,30}(solution|рішення|решение)|"
        r"help others|допоможіть іншим|помогите другим"
    ),
    re.compile(
        r"^(online|онлайн|in an office|в офісі|в офисе|join|support|connect|"
        r"приєднатися|підтримати|присоединиться|поддержать|menu|меню|home|головна|"
        r"главная|search|пошук|поиск|news|новини|новости)$"
    ),
    re.compile(r"^(©|\(c\)|copyright)"),
]
_NAV_SEPARATORS = re.compile(r"\s+[|›»>/→]\s+")


def _is_strong_chrome(line: str) -> bool:
    folded = _fold(line.strip())
    return len(folded) <= 200 and any(p.search(folded) for p in _STRONG_CHROME)


def _is_chrome(line: str) -> bool:
    text = line.strip()
    folded = _fold(text)
    if not folded or len(folded) > 200:
        return False
    if any(p.search(folded) for p in _CHROME):
        return True
    # Breadcrumbs and menus: "Home › News › Statements", "About | News | Contacts".
    parts = _NAV_SEPARATORS.split(folded)
    return len(parts) >= 3 and all(len(part.split()) <= 4 for part in parts)


def _is_minor(line: str) -> bool:
    """A short label of the kind menus and blocks are made of ("Join", "In an office")."""
    return len(line.split()) <= 4 and not line.rstrip().endswith((".", ":", ";", "!"))


# --- the page format ---------------------------------------------------------------------

_DATE_LINE = re.compile(
    r"^(?P<label>publication date|date of publication|published|дата публікації|"
    r"дата публикации|опубліковано|опубликовано)\s*[:：]\s*(?P<date>.+?)\s*$",
    re.IGNORECASE,
)
_DATE_LABEL_LANG = {
    "publication date": "en",
    "date of publication": "en",
    "published": "en",
    "дата публікації": "uk",
    "опубліковано": "uk",
    "дата публикации": "ru",
    "опубликовано": "ru",
}
_BULLET = re.compile(r"^\s*[•·▪◦‣●○■□–—*+-]\s+(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^\s*(?P<number>\d{1,3})[.)]\s+(?P<text>\S.*)$")


def parse_page(text: str, source: str = "<text>") -> ParsedStatement:
    """A statement from the plain text of one of the site's statement pages."""
    lines = [_normalise(line).rstrip() for line in text.splitlines()]
    date_index, lang, published = _find_date_line(lines, source)
    title = _find_title(lines, date_index, source)
    body_lines = _find_body(lines, date_index + 1, lang, published)
    body_md = _page_lines_to_markdown(body_lines)
    if not body_md.strip():
        raise StatementParseError(source, "the statement has no text after its date")
    return _finish(
        source,
        title=title,
        published=published,
        lang=lang,
        slug=None,
        body_md=body_md,
    )


def _find_date_line(lines: list[str], source: str) -> tuple[int, str, date]:
    for index, line in enumerate(lines):
        match = _DATE_LINE.match(line.strip())
        if not match:
            continue
        lang = _DATE_LABEL_LANG[match["label"].lower()]
        try:
            published = parse_date(match["date"])
        except ValueError:
            raise StatementParseError(
                source, f"line {index + 1}: cannot read the date {match['date']!r}"
            ) from None
        return index, lang, published
    raise StatementParseError(
        source,
        "no publication date: expected a line like 'Publication date: January 10, 2022' "
        "or 'Дата публікації: 10 січня 2022'",
    )


def _find_title(lines: list[str], date_index: int, source: str) -> str:
    """The paragraph just above the date line, less any chrome lines in it."""
    index = date_index - 1
    while index >= 0:
        while index >= 0 and not lines[index].strip():
            index -= 1
        paragraph: list[str] = []
        while index >= 0 and lines[index].strip():
            paragraph.insert(0, lines[index].strip())
            index -= 1
        kept = [line for line in paragraph if not _is_chrome(line)]
        if kept:
            title = " ".join(kept)
            if len(title) > MAX_TITLE:
                raise StatementParseError(
                    source, f"the title is longer than {MAX_TITLE} characters: {title[:60]!r}…"
                )
            return title
    raise StatementParseError(source, "no title above the 'Publication date' line")


def _find_body(lines: list[str], start: int, lang: str, published: date) -> list[str]:
    end = len(lines)
    # The error-report prompt closes the article on every page of the site.
    for index in range(start, len(lines)):
        if _is_strong_chrome(lines[index]) and "enter" in lines[index].lower():
            end = index
            break
    # From the first chrome line on which only chrome, labels and foreign text follow.
    for index in range(end - 1, start - 1, -1):
        line = lines[index].strip()
        if not line:
            continue
        chrome = _is_chrome(line)
        if not (chrome or _is_minor(line) or _is_foreign(line, lang)):
            break
        if chrome:
            end = index
    body = [line for line in lines[start:end] if not _is_strong_chrome(line)]
    # The date often stands once more as the statement's first line.
    first = next((i for i, line in enumerate(body) if line.strip()), None)
    if first is not None and _try_date(body[first]) == published:
        body = body[first + 1 :]
    return _strip_edge_paragraphs(body, lang)


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _strip_edge_paragraphs(lines: list[str], lang: str) -> list[str]:
    """Drop chrome and other-language paragraphs before and after the statement."""
    paragraphs = _paragraphs(lines)

    def page_furniture(paragraph: list[str]) -> bool:
        return all(_is_chrome(line) or _is_foreign(line, lang) for line in paragraph)

    while paragraphs and page_furniture(paragraphs[0]):
        paragraphs.pop(0)
    while paragraphs and page_furniture(paragraphs[-1]):
        paragraphs.pop()
    out: list[str] = []
    for paragraph in paragraphs:
        out.extend(paragraph)
        out.append("")
    return out


def escape_markdown(text: str) -> str:
    """Plain text made literal in Markdown (the renderer must show it as written)."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"([`*_\[\]])", r"\\\1", text)
    text = re.sub(r"^([#>+\-!])", r"\\\1", text)
    text = re.sub(r"^(\d+)([.)])(\s)", r"\1\\\2\3", text)
    return re.sub(r"^=", "&#61;", text)


def _page_lines_to_markdown(lines: list[str]) -> str:
    """Paragraphs and bulleted or numbered lists of the page, as Markdown."""
    blocks: list[list[str]] = []
    kind = None
    for line in lines:
        if not line.strip():
            kind = None
            continue
        bullet = _BULLET.match(line)
        numbered = _NUMBERED.match(line)
        if bullet:
            line_kind, text = "ul", "- " + escape_markdown(bullet["text"].strip())
        elif numbered:
            line_kind = "ol"
            text = f"{numbered['number']}. " + escape_markdown(numbered["text"].strip())
        else:
            line_kind, text = "p", escape_markdown(line.strip())
        if line_kind != kind:
            blocks.append([])
            kind = line_kind
        blocks[-1].append(text)
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


# --- Markdown with front matter ----------------------------------------------------------

_KEYS = {
    "title": "title",
    "date": "date",
    "published": "date",
    "lang": "lang",
    "language": "lang",
    "slug": "slug",
    "source_url": "source_url",
    "source": "source_url",
    "tags": "tags",
    "places": "places",
}
_LIST_KEYS = {"tags", "places"}


def parse_markdown(text: str, source: str = "<text>") -> ParsedStatement:
    """A statement from Markdown that starts with front matter between ``---`` lines."""
    meta, body = _split_front_matter(text, source)
    if "title" not in meta or not str(meta["title"]).strip():
        raise StatementParseError(source, "the front matter has no 'title'")
    if "date" not in meta or not str(meta["date"]).strip():
        raise StatementParseError(source, "the front matter has no 'date'")
    try:
        published = parse_date(str(meta["date"]))
    except ValueError:
        raise StatementParseError(
            source, f"cannot read the date {meta['date']!r} (write it as 2022-01-10)"
        ) from None
    title = _normalise(str(meta["title"])).strip()
    if len(title) > MAX_TITLE:
        raise StatementParseError(source, f"the title is longer than {MAX_TITLE} characters")
    lang = meta.get("lang")
    if lang is not None:
        lang = str(lang).strip().lower()
        if lang not in LANGUAGES:
            raise StatementParseError(
                source, f"unknown language {lang!r} (one of: {', '.join(LANGUAGES)})"
            )
    else:
        lang = guess_language(title + "\n" + body)
        lang = lang if lang in LANGUAGES else "uk"
    if not body.strip():
        raise StatementParseError(source, "the statement has no text after its front matter")
    return _finish(
        source,
        title=title,
        published=published,
        lang=lang,
        slug=meta.get("slug"),
        body_md=body.strip("\n") + "\n",
        source_url=meta.get("source_url"),
        tags=meta.get("tags"),
        places=meta.get("places"),
    )


def _split_front_matter(text: str, source: str) -> tuple[dict, str]:
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise StatementParseError(
            source,
            "no front matter: the file must start with a '---' line, then 'title:' "
            "and 'date:' lines, then '---'",
        )
    meta: dict = {}
    current_list: str | None = None
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip()
        if line.strip() in ("---", "..."):
            return meta, "\n".join(lines[number:])
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.match(r"^\s+-\s*(.*)$", line) or re.match(r"^-\s+(.*)$", line)
        if item and current_list:
            meta[current_list].append(_scalar(item[1], source, number))
            continue
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if not match:
            raise StatementParseError(source, f"line {number}: expected 'key: value', got {line!r}")
        key = _KEYS.get(match[1].lower())
        if key is None:
            raise StatementParseError(
                source,
                f"line {number}: unknown key {match[1]!r} "
                f"(known: {', '.join(sorted(set(_KEYS.values())))})",
            )
        value = match[2].strip()
        current_list = None
        if key in _LIST_KEYS:
            if not value:
                meta[key] = []
                current_list = key
            elif value.startswith("["):
                if not value.endswith("]"):
                    raise StatementParseError(source, f"line {number}: a list must end with ']'")
                meta[key] = _flow_list(value[1:-1], source, number)
            else:
                meta[key] = _flow_list(value, source, number)
        else:
            meta[key] = _scalar(value, source, number)
    raise StatementParseError(source, "the front matter is not closed by a '---' line")


def _scalar(value: str, source: str, number: int) -> str:
    value = value.strip()
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        while quote == "'" and end != -1 and value[end : end + 2] == "''":
            end = value.find(quote, end + 2)
        if end == -1:
            raise StatementParseError(source, f"line {number}: unclosed quote in {value!r}")
        inner = value[1:end]
        return inner.replace("''", "'") if quote == "'" else inner.replace('\\"', '"')
    return re.sub(r"\s+#.*$", "", value)


def _flow_list(value: str, source: str, number: int) -> list[str]:
    items = re.findall(r"\s*(\"[^\"]*\"|'[^']*'|[^,]+)\s*(?:,|$)", value)
    out = [_scalar(item, source, number) for item in items]
    return [item for item in out if item]


def _finish(
    source: str,
    *,
    title: str,
    published: date,
    lang: str,
    slug: str | None,
    body_md: str,
    source_url: str | None = None,
    tags: list[str] | None = None,
    places: list[str] | None = None,
) -> ParsedStatement:
    """Checks and limits common to both formats."""
    if slug is not None:
        given = str(slug).strip()
        slug = slugify(given)
        if not slug:
            raise StatementParseError(source, f"the slug {given!r} has no letters or digits")
    else:
        slug = slugify(title) or f"statement-{published.isoformat()}"
    if len(body_md) > MAX_BODY:
        raise StatementParseError(source, f"the text is longer than {MAX_BODY} characters")
    if source_url:
        source_url = str(source_url).strip()
        if not re.match(r"^https?://\S+$", source_url) or len(source_url) > MAX_URL:
            raise StatementParseError(
                source, f"source_url is not an http(s) address: {source_url!r}"
            )
    tags = [_normalise(tag).strip() for tag in (tags or []) if str(tag).strip()]
    if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG for tag in tags):
        raise StatementParseError(
            source, f"at most {MAX_TAGS} tags of at most {MAX_TAG} characters each"
        )
    if places is not None:
        places = [_normalise(p).strip() for p in places if str(p).strip()]
        if len(places) > MAX_PLACES or any(len(p) > MAX_PLACE for p in places):
            raise StatementParseError(
                source, f"at most {MAX_PLACES} places of at most {MAX_PLACE} characters each"
            )
    return ParsedStatement(
        title=title,
        published=published,
        lang=lang,
        slug=slug,
        body_md=body_md,
        source_url=source_url or None,
        tags=list(dict.fromkeys(tags)),
        places=places,
        source=source,
    )


# --- files and folders -------------------------------------------------------------------


def parse_text(text: str, source: str = "<text>") -> ParsedStatement:
    """Front matter if the text starts with '---', a site page otherwise."""
    if text.lstrip("\ufeff").lstrip(" \t").startswith("---"):
        return parse_markdown(text, source)
    return parse_page(text, source)


def parse_file(path: Path | str) -> ParsedStatement:
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise StatementParseError(source, f"larger than {MAX_FILE_BYTES} bytes")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise StatementParseError(source, "not UTF-8 text") from None
    except OSError as exc:
        raise StatementParseError(source, f"cannot read: {exc.strerror or exc}") from None
    return parse_text(text, source)


def statement_files(path: Path | str) -> list[Path]:
    """The file itself, or the statement files (.md, .markdown, .txt) in a folder, sorted."""
    path = Path(path)
    if path.is_dir():
        return sorted(
            p
            for p in path.iterdir()
            if p.is_file() and p.suffix.lower() in FILE_SUFFIXES and not p.name.startswith(".")
        )
    return [path]


def iter_parsed(path: Path | str) -> Iterator[ParsedStatement | StatementParseError]:
    """Each file under PATH parsed, or its error: one bad file does not stop the others."""
    for file in statement_files(path):
        try:
            yield parse_file(file)
        except StatementParseError as exc:
            yield exc

"""Reading statements: Markdown with front matter and pages as the network's site shows them."""

from datetime import date
from pathlib import Path

import pytest

from locator.statements.parsing import (
    StatementParseError,
    guess_language,
    iter_parsed,
    parse_date,
    parse_file,
    parse_markdown,
    parse_page,
    slugify,
)
from locator.statements.rendering import render_markdown

DATA = Path(__file__).resolve().parents[1] / "data" / "statements"
REPO = Path(__file__).resolve().parents[2]


# --- dates, slugs, languages --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "January 10, 2022",
        "Jan 10 2022",
        "10 January 2022",
        "10 січня 2022",
        "10 січня 2022 р.",
        "10 января 2022 года",
        "10.01.2022",
        "2022-01-10",
    ],
)
def test_dates_in_the_forms_the_site_writes_them(text):
    assert parse_date(text) == date(2022, 1, 10)


@pytest.mark.parametrize("text", ["31 лютого 2022", "Smarch 3, 2022", "yesterday", "2022"])
def test_impossible_or_unknown_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_slugs_are_latin_and_bounded():
    assert slugify("Заява щодо Харкова й Одеси") == "zaiava-shchodo-kharkova-i-odesy"
    assert slugify("Statement on Kazakhstan: 2022!") == "statement-on-kazakhstan-2022"
    long = slugify("word " * 40)
    assert len(long) <= 80 and not long.endswith("-")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The Partnership calls on the authorities", "en"),
        ("Мережа закликає органи влади забезпечити роботу приймалень", "uk"),
        ("Поставте питання, i один з експертiв Мережi надасть вiдповiдь.", "uk"),
        ("Сеть призывает органы власти обеспечить работу приёмных", "ru"),
        ("ok", None),
    ],
)
def test_language_of_a_line(text, lang):
    assert guess_language(text) == lang


# --- pages as the site shows them ---------------------------------------------------------


def test_a_page_in_the_site_format_gives_title_date_and_body_without_chrome():
    statement = parse_file(DATA / "page_uk.txt")

    assert statement.title == (
        "Заява Мережі правової допомоги щодо доступу до безоплатної допомоги в Харкові та Одесі"
    )
    assert statement.published == date(2023, 3, 3)
    assert statement.lang == "uk"
    assert statement.slug.startswith("zaiava-merezhi-pravovoi-dopomohy")
    body = statement.body_md
    assert body.startswith("Мережа правової допомоги звертає увагу")
    assert body.rstrip().endswith("Правління Мережі")
    for chrome in [
        "Головна",
        "Telegram",
        "Need legal advice",
        "03.03.2023",
        "Ctrl+Enter",
        "Поділитися",
        "плакат",
        "волонтером",
        "consultation",
        "Chat hours",
        "Join",
        "×",
    ]:
        assert chrome not in body


def test_page_lists_and_literal_text_survive_rendering():
    statement = parse_file(DATA / "page_uk.txt")
    html = render_markdown(statement.body_md)

    assert "<li>забезпечити роботу приймалень у кожному районі міста;</li>" in html
    assert html.count("<li>") == 4
    assert "<ol>" in html and "Перший пункт нумерованого списку." in html
    # What looked like HTML or Markdown in the page is shown as written.
    assert 'Рядок &lt;script&gt;alert("x")&lt;/script&gt; має лишитися текстом' in html
    assert "<script" not in html
    assert "*зірочки* та [дужки]" in html


def test_without_the_error_prompt_the_trailing_blocks_are_still_cut():
    text = (DATA / "page_uk.txt").read_text(encoding="utf-8")
    text = text.replace("Знайшли помилку? Виділіть текст і натисніть Ctrl+Enter.\n", "")

    body = parse_page(text, "page").body_md

    assert body.rstrip().endswith("Правління Мережі")
    assert "Поділитися" not in body and "Chat hours" not in body


def test_a_russian_page_and_a_statement_that_mentions_volunteers_in_its_middle():
    text = (
        "Меню\n\nЗаявление Сети о помощи в Алматы\n\nДата публикации: 5 января 2022\n\n"
        "Сеть продолжает работу в Алматы.\n\n"
        "Станьте волонтером\n\n"
        "Мы благодарим всех, кто помогает людям найти юриста и получить консультацию.\n\n"
        "Поделиться\n\nПоставте питання, i один з експертiв Мережi надасть вiдповiдь.\n"
    )
    statement = parse_page(text, "ru.txt")

    assert statement.title == "Заявление Сети о помощи в Алматы"
    assert statement.lang == "ru"
    assert statement.published == date(2022, 1, 5)
    assert "Станьте волонтером" in statement.body_md  # inside the statement: kept
    assert statement.body_md.rstrip().endswith("получить консультацию.")
    assert "Поставте" not in statement.body_md


def test_the_real_seed_page(shared_seed):
    statement = parse_file(shared_seed)

    assert statement.title == (
        "Partnership for Legal Empowerment in Eastern Europe and Central Asia Statement on "
        "developments in Kazakhstan"
    )
    assert statement.published == date(2022, 1, 10)
    assert statement.lang == "en"
    body = statement.body_md
    assert body.startswith("The Partnership for Legal Empowerment in Eastern Europe")
    assert body.rstrip().endswith(
        "Cooperate fully with the OSCE and the UN to resolve the situation."
    )
    assert "Almaty" in body and "Zhanaozen" in body
    assert body.count("\n- ") == 9
    for chrome in ["facebook", "Потрібна", "ctrl-enter", "Share on social", "poster", "Графік"]:
        assert chrome not in body
    assert "January 10, 2022\n" not in body


def test_an_english_page_in_the_form_of_the_real_one():
    """page_en.txt has the real page's form (its chrome, a Ukrainian line on an English
    page, the date twice, • lists) around text written for the tests: on any clone."""
    statement = parse_file(DATA / "page_en.txt")

    assert statement.title == (
        "Network Statement on free legal aid for people displaced to Kazakhstan"
    )
    assert statement.published == date(2023, 3, 14)
    assert statement.lang == "en"
    body = statement.body_md
    assert body.startswith("The Network draws attention to the families")
    assert body.rstrip().endswith("- Publish the hours of every consulting room.")
    assert body.count("\n- ") == 3
    for chrome in ["facebook", "Потрібна", "ctrl-enter", "Share on social", "poster", "Графік"]:
        assert chrome not in body
    assert "March 14, 2023" not in body


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Title\n\nSome text without a date.\n", "no publication date"),
        ("Publication date: January 10, 2022\n\nText.\n", "no title"),
        ("facebook\n\nPublication date: January 10, 2022\n\nText.\n", "no title"),
        ("Title\n\nPublication date: the tenth\n\nText.\n", "cannot read the date"),
        ("Title\n\nPublication date: January 10, 2022\n\nShare\n", "no text"),
    ],
)
def test_pages_without_title_date_or_text_are_refused_naming_the_file(text, message):
    with pytest.raises(StatementParseError) as caught:
        parse_page(text, "broken.txt")
    assert str(caught.value).startswith("broken.txt: ")
    assert message in str(caught.value)


# --- Markdown with front matter ------------------------------------------------------------

FRONT = """---
title: "Заява: допомога в Харкові"
date: 2024-02-12
lang: uk
slug: kharkiv-help
source_url: https://example.org/statements/kharkiv   # where it was first published
tags: [demo, "housing, rent", IDP]
places:
  - Харків
  - 'Kharkiv Oblast'
---
Text with **bold**.
"""


def test_front_matter_with_lists_quotes_and_comments():
    statement = parse_markdown(FRONT, "a.md")

    assert statement.title == "Заява: допомога в Харкові"
    assert statement.published == date(2024, 2, 12)
    assert statement.lang == "uk"
    assert statement.slug == "kharkiv-help"
    assert statement.source_url == "https://example.org/statements/kharkiv"
    assert statement.tags == ["demo", "housing, rent", "IDP"]
    assert statement.places == ["Харків", "Kharkiv Oblast"]
    assert statement.body_md == "Text with **bold**.\n"


def test_front_matter_without_places_or_language_detects_later():
    statement = parse_markdown("---\ntitle: Help in Odesa\ndate: 1 May 2024\n---\nText here.\n")

    assert statement.places is None
    assert statement.lang == "en"
    assert statement.slug == "help-in-odesa"
    assert statement.tags == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Just a heading\n\nText\n", "no front matter"),
        ("---\ndate: 2024-01-01\n---\nText\n", "no 'title'"),
        ("---\ntitle: T\n---\nText\n", "no 'date'"),
        ("---\ntitle: T\ndate: 2024-02-30\n---\nText\n", "cannot read the date"),
        ("---\ntitle: T\ndate: 2024-02-03\nauthor: me\n---\nText\n", "unknown key 'author'"),
        ("---\ntitle: T\ndate: 2024-02-03\nlang: de\n---\nText\n", "unknown language"),
        ("---\ntitle: T\ndate: 2024-02-03\n", "not closed"),
        ("---\ntitle: T\ndate: 2024-02-03\n---\n\n", "no text"),
        ("---\ntitle: T\ndate: 2024-02-03\nsource_url: javascript:x\n---\nA\n", "source_url"),
        ("---\ntitle: 'T\ndate: 2024-02-03\n---\nA\n", "unclosed quote"),
    ],
)
def test_bad_front_matter_is_refused_with_a_clear_message(text, message):
    with pytest.raises(StatementParseError) as caught:
        parse_markdown(text, "bad.md")
    assert str(caught.value).startswith("bad.md: ")
    assert message in str(caught.value)


def test_a_folder_reports_bad_files_and_still_reads_the_others(tmp_path):
    (tmp_path / "a.md").write_text(FRONT, encoding="utf-8")
    (tmp_path / "b.md").write_text("---\ntitle: No date\n---\nText\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text((DATA / "page_uk.txt").read_text("utf-8"), "utf-8")
    (tmp_path / "d.bin").write_bytes(b"\xff\xfe")  # not a statement file: ignored
    (tmp_path / "e.md").write_bytes(b"---\ntitle: \xff\n")

    results = list(iter_parsed(tmp_path))

    assert [type(r).__name__ for r in results] == [
        "ParsedStatement",
        "StatementParseError",
        "ParsedStatement",
        "StatementParseError",
    ]
    assert str(results[1]).startswith(str(tmp_path / "b.md"))
    assert "not UTF-8" in str(results[3])


def test_a_missing_file_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nope.md"
    [result] = list(iter_parsed(missing))
    assert isinstance(result, StatementParseError)
    assert str(missing) in str(result)


def test_every_demo_statement_reads_and_is_marked_as_demo():
    folder = REPO / "seed_data" / "statements"
    results = list(iter_parsed(folder))

    assert len(results) >= 3
    for result in results:
        assert not isinstance(result, StatementParseError), str(result)
        assert "demo" in result.tags or "демо" in result.tags
        assert {result.lang} <= {"uk", "en"}
    assert {r.lang for r in results} == {"uk", "en"}
    assert len({r.slug for r in results}) == len(results)

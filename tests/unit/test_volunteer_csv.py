"""The coordinators' CSV: every value intact, formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from locator.volunteers.csvexport import iter_csv, neutralise, write_csv

COLUMNS = [("name", lambda r: r["name"]), ("skills", lambda r: r["skills"])]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+380501234567", "'+380501234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Олена Петренко", "Олена Петренко"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
        (["legal", "it"], "legal;it"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_write_csv_round_trips_through_a_csv_reader():
    rows = [
        {"name": 'Олена "Оля", Київ\nдругий рядок', "skills": ["legal", "translation"]},
        {"name": "=1+1", "skills": []},
    ]
    out = io.StringIO(newline="")
    assert write_csv(out, COLUMNS, rows) == 2
    assert parse(out.getvalue()) == [
        ["name", "skills"],
        ['Олена "Оля", Київ\nдругий рядок', "legal;translation"],
        ["'=1+1", ""],
    ]


def test_iter_csv_gives_the_same_text_as_write_csv():
    rows = [{"name": f"Person {i}", "skills": ["it"]} for i in range(2000)]
    out = io.StringIO(newline="")
    write_csv(out, COLUMNS, rows)
    chunks = list(iter_csv(COLUMNS, rows))
    assert len(chunks) > 1
    assert "".join(chunks) == out.getvalue()

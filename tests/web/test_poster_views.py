"""/poster, /poster.pdf and the preview, as a visitor's browser gets them.

The PDFs are opened with pypdf and their QR codes read back with Poppler + zbarimg.
"""

import io
import re
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
from pypdf import PdfReader

from locator.extensions import db
from locator.models import Office
from locator.posters import services, views

A_SIZES = {"A4": (595.28, 841.89), "A3": (841.89, 1190.55)}
HEADLINE = {"uk": "Безкоштовна юридична консультація", "en": "Free legal consultation"}
KYIV_QR = "http://localhost/offices?near=" + quote("Київ") + "&lang={lang}"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def read_qr(data: bytes, *, is_pdf: bool = True) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp, "page.png")
        if is_pdf:
            Path(tmp, "poster.pdf").write_bytes(data)
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "150",
                    "-png",
                    "-singlefile",
                    Path(tmp, "poster.pdf"),
                    Path(tmp, "page"),
                ],
                check=True,
                capture_output=True,
            )
        else:
            image.write_bytes(data)
        out = subprocess.run(["zbarimg", "-q", "--raw", image], capture_output=True, check=False)
    return out.stdout.decode().split()


@pytest.fixture(autouse=True)
def _close_connections(app):
    """Close this test's pooled connections now: left to the garbage collector, psycopg
    warns in whichever later test happens to collect them."""
    yield
    db.session.remove()
    db.engine.dispose()


@pytest.fixture
def kyiv(make_office):
    """Three offices in Kyiv at different distances from the centre, one in Lviv."""
    return [
        make_office(slug="podil", name="Приймальня на Подолі", lat=50.4650, lon=30.5150,
                    address="вул. Сагайдачного, 25", phone="+380 44 555 01 23"),
        make_office(slug="pechersk", name="Печерська правова приймальня", lat=50.4300, lon=30.5400,
                    address="вул. Мечникова, 2", phone="+380 44 555 02 34"),
        make_office(slug="obolon", name="Оболонь", lat=50.5000, lon=30.4980),
        make_office(slug="lviv", name="Львівська приймальня", city="Львів", lat=49.8400, lon=24.0300),
    ]  # fmt: skip


def get_pdf(client, query: str, **kw):
    response = client.get(f"/poster.pdf?{query}", **kw)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response


@pytest.mark.parametrize("lang", ["uk", "en"])
@pytest.mark.parametrize("size", ["A4", "A3"])
@pytest.mark.parametrize("personal", [False, True], ids=["general", "near-kyiv"])
def test_every_language_and_size_comes_out_as_a_poster(client, kyiv, lang, size, personal):
    query = f"lang={lang}&size={size}" + ("&near=Київ" if personal else "")
    data = get_pdf(client, query).data
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert float(page.mediabox.width) == pytest.approx(A_SIZES[size][0], abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(A_SIZES[size][1], abs=0.5)
    text = pdf_text(data)
    assert HEADLINE[lang] in text
    assert "localhost" in text
    if personal:
        assert read_qr(data) == [KYIV_QR.format(lang=lang)]
        assert "Приймальня на Подолі" in text and "вул. Сагайдачного, 25, Київ" in text
        assert "+380 44 555 01 23" in text
        assert "Львівська приймальня" not in text  # three nearest only
    else:
        assert read_qr(data) == [f"http://localhost/?lang={lang}"]
        assert "Приймальня на Подолі" not in text


def test_ukrainian_poster_speaks_ukrainian(client, kyiv, app):
    app.config.update(HOTLINE="0 800 213 103", CHAT_HOURS="Mo-Fr 10:00-16:00")
    text = pdf_text(get_pdf(client, "lang=uk&near=Київ").data)
    for phrase in (
        "Безкоштовна юридична консультація",
        "Потрібна юридична консультація? Наш юрист надасть її безкоштовно.",
        "Ми допомагаємо з питань:",
        "Гаряча лінія: 0 800 213 103",
        "Онлайн-консультація:",
        "Найближчі до вас консультаційні пункти:",
        "Відскануйте телефоном",
        "Тел. +380 44 555 01 23",
    ):
        assert phrase in text
    assert re.search(r"· \d+,\d ", text)  # distances written the Ukrainian way: 1,2


def test_english_poster_on_a_ukrainian_page_is_english(client, kyiv):
    text = pdf_text(
        get_pdf(client, "language=en&near=Kyiv", headers={"Accept-Language": "uk"}).data
    )
    assert "Free legal consultation" in text and "Consulting rooms nearest to you:" in text
    assert "Безкоштовна" not in text and "Пошук правової допомоги" not in text
    assert "Legal Help Locator" in text  # the site's name in the band, in English too


def test_office_names_with_markup_print_as_plain_text(client, make_office):
    make_office(
        slug="tricky", name="<b>x</b> <script>alert(1)</script>", address="<i>вул.</i> & Co"
    )
    text = pdf_text(get_pdf(client, "near=Київ").data)
    assert "<b>x</b> <script>alert(1)</script>" in text
    assert "<i>вул.</i> & Co" in text


def test_poster_for_a_location_points_the_qr_code_at_its_coordinates(client, kyiv):
    data = get_pdf(client, "lat=50.4501&lon=30.5234&lang=en").data
    assert read_qr(data) == ["http://localhost/offices?lat=50.4501&lon=30.5234&lang=en"]
    assert "Приймальня на Подолі" in pdf_text(data)


def test_a_long_address_gives_a_short_qr_code(client, kyiv):
    near = "вулиця Хрещатик, будинок 22, під'їзд 3, Київ"
    data = get_pdf(client, f"near={quote(near)}").data
    [target] = read_qr(data)
    assert target.startswith("http://localhost/offices?lat=50.4") and target.endswith("&lang=uk")


def test_office_page_links_to_its_own_poster(client, kyiv):
    page = client.get("/offices/pechersk").get_data(as_text=True)
    assert "/poster.pdf?office=pechersk" in page
    response = get_pdf(client, "office=pechersk&size=A3&lang=uk")
    text = pdf_text(response.data)
    assert "Консультаційний пункт:" in text and "Печерська правова приймальня" in text
    assert "Приймальня на Подолі" not in text
    assert read_qr(response.data) == ["http://localhost/offices/pechersk?lang=uk"]
    assert "poster-uk-A3-pechersk.pdf" in response.headers["Content-Disposition"]


def test_poster_page_shows_choices_preview_and_download(client, kyiv):
    page = client.get("/poster?language=en&size=A3&near=Київ").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="en"', page)
    assert re.search(r'<input checked[^>]*name="size"[^>]*value="A3"', page)
    assert 'href="/poster.pdf?language=en&amp;size=A3&amp;near=' in page
    assert 'src="/poster/preview.png?language=en&amp;size=A3&amp;near=' in page
    assert "Приймальня на Подолі" in page  # "the poster names:"
    assert 'data-target="/poster?language=en&amp;size=A3"' in page  # "use my location" keeps both


def test_preview_is_an_image_of_the_real_poster(client, kyiv):
    response = client.get("/poster/preview.png?language=uk&size=A4&near=Київ")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.height == 720 and 505 <= image.width <= 512  # A4 proportions
    assert read_qr(response.data, is_pdf=False) == [KYIV_QR.format(lang="uk")]


# Bad input: a 4xx page in the page language with the form and the message; never a PDF.


@pytest.mark.parametrize(
    ("query", "status", "message_uk"),
    [
        ("size=A5", 400, "Оберіть A4 або A3."),
        ("size=%3Cscript%3E", 400, "Оберіть A4 або A3."),
        ("lang=de", 400, "Оберіть українську або англійську."),
        ("near=Qwxzqwxz", 404, "Не вдалося знайти «Qwxzqwxz»"),
        ("office=no-such-office", 404, "Цього консультаційного пункту немає"),
        ("office=" + "x" * 500, 400, "Цього консультаційного пункту немає"),
        ("near=" + "ж" * 10_000, 400, None),
        ("near=Ки%00їв", 400, None),
        ("lat=91&lon=30", 400, None),
        ("lat=abc&lon=30", 400, None),
        ("lat=50", 400, None),
    ],
)
def test_bad_input_gets_the_form_with_a_message_not_a_pdf(client, kyiv, query, status, message_uk):
    response = client.get(f"/poster.pdf?{query}", headers={"Accept-Language": "uk"})
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and 'action="/poster"' in page
    if message_uk:
        assert message_uk in page
    assert "ж" * 301 not in page  # the 10,000 characters are not echoed back
    assert "\x00" not in page


def test_bad_input_message_follows_the_page_language(client, kyiv):
    page = client.get("/poster.pdf?size=A5", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Choose A4 or A3." in page
    page = client.get("/poster?near=Qwxzqwxz", headers={"Accept-Language": "en"})
    assert page.status_code == 404
    assert "We could not find “Qwxzqwxz”" in page.get_data(as_text=True)


def test_bad_input_on_the_preview_is_not_an_image(client, kyiv):
    response = client.get("/poster/preview.png?size=B5")
    assert response.status_code == 400 and response.mimetype == "text/html"


# Caching


def test_same_request_is_answered_from_the_cache_with_validators(client, kyiv, monkeypatch):
    first = get_pdf(client, "lang=uk&near=Київ")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "private" in first.headers["Cache-Control"]  # it names a place

    def no_rendering(self):
        raise AssertionError("rendered again instead of using the cache")

    monkeypatch.setattr(services.PosterContent, "render", no_rendering)
    monkeypatch.setattr(views, "build_content", no_rendering)  # not even a new search
    second = get_pdf(client, "lang=uk&near=Київ")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]

    again = client.get(
        "/poster.pdf?lang=uk&near=Київ", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_a_poster_that_fell_out_of_the_cache_is_made_again(client, kyiv, app):
    first = get_pdf(client, "lang=en&size=A3&near=Львів")
    # The server still remembers the request, but the PDF itself was evicted.
    app.extensions["locator.posters.cache"].discard(first.headers["ETag"].strip('"'))
    second = get_pdf(client, "lang=en&size=A3&near=Львів")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]


def test_general_poster_may_be_kept_by_shared_caches(client, kyiv):
    assert "public" in get_pdf(client, "lang=en").headers["Cache-Control"]


def test_changed_office_data_changes_the_poster_and_its_etag(client, kyiv):
    before = get_pdf(client, "near=Київ")
    office = db.session.scalar(db.select(Office).where(Office.slug == "podil"))
    office.phone = "+380 44 999 99 99"
    db.session.commit()
    after = client.get("/poster.pdf?near=Київ", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "+380 44 999 99 99" in pdf_text(after.data)


def test_changed_chat_hours_change_the_poster(client, kyiv, app):
    before = get_pdf(client, "lang=en")
    app.config["CHAT_HOURS"] = "Mo-Fr 09:00-12:00"
    after = get_pdf(client, "lang=en")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "09:00" in pdf_text(after.data)


def test_two_app_servers_agree_on_etag_and_bytes(client, kyiv, app_config):
    from locator import create_app

    first = get_pdf(client, "lang=uk&size=A3&near=Київ")
    other = create_app(app_config)  # a second server on the same database
    with other.app_context():
        second = get_pdf(other.test_client(), "lang=uk&size=A3&near=Київ")
        db.session.remove()
        db.engine.dispose()  # close its connections now, not when garbage-collected
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.data == first.data


def test_poster_page_for_an_office_keeps_the_office(client, kyiv):
    page = client.get("/poster?office=pechersk&language=en", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "A poster for the consulting room “Печерська правова приймальня”." in html
    assert 'href="/poster.pdf?language=en&amp;size=A4&amp;office=pechersk"' in html
    assert 'name="office" type="hidden" value="pechersk"' in html


def test_the_poster_names_the_remote_help_for_the_buildings_area(client, kyiv, make_office):
    make_office(slug="crimea-line", name="Лінія для Криму", kind="remote", serves="UA-43;UA-40",
                address="", lat=None, lon=None, phone="+380 44 555 07 89")  # fmt: skip
    make_office(slug="national-line", name="Національна лінія", kind="remote", serves="UA",
                address="", lat=None, lon=None, phone="+380 800 555 000")  # fmt: skip
    kyiv_text = pdf_text(get_pdf(client, "lang=uk&near=Київ").data)
    assert "Національна лінія" in kyiv_text and "Лінія для Криму" not in kyiv_text
    assert "Дистанційна допомога для: Україна" in kyiv_text
    # In Crimea the reception made for it is printed before any (distant) room
    crimea_text = pdf_text(get_pdf(client, "lang=uk&near=Сімферополь").data)
    assert "Лінія для Криму" in crimea_text
    assert "Дистанційна допомога для: Автономна Республіка Крим, Севастополь" in crimea_text
    assert crimea_text.find("Лінія для Криму") < crimea_text.find("Тел. +380 44 555 01 23")

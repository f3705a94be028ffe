"""The poster PDF itself: what a printer and a person holding a phone get.

Every check opens the real PDF: pypdf for page size and text, Poppler's
pdftoppm to render it and zbarimg to read its QR code back.
"""

import io
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from locator.posters.render import (
    PosterError,
    PosterOffice,
    PosterTexts,
    clean_text,
    display_url,
    render_poster,
)

SITE = "https://help.example.org"

UK = PosterTexts(
    network="Мережа правової допомоги",
    headline="Безкоштовна юридична консультація",
    subheadline="Потрібна юридична консультація? Наш юрист надасть її безкоштовно.",
    helps_title="Ми допомагаємо з питань:",
    helps=(
        "сімейні справи",
        "трудові спори",
        "житло",
        "соціальні виплати",
        "документи для внутрішньо переміщених осіб",
        "захист у кримінальних справах",
        "права людини",
    ),
    hotline_label="Гаряча лінія:",
    online_title="Онлайн-консультація:",
    nearest_title="Найближчі консультаційні пункти:",
    find_text="Знайдіть найближчий консультаційний пункт: відскануйте код або відкрийте сайт",
    scan_text="Відскануйте телефоном",
    phone_label="Тел.",
    hours_label="Графік:",
)
EN = PosterTexts(
    network="Legal aid network",
    headline="Free legal consultation",
    subheadline="Need legal advice? Our lawyer will give it to you free of charge.",
    helps_title="We help with:",
    helps=(
        "family matters",
        "labour disputes",
        "housing",
        "social benefits",
        "documents for internally displaced people",
        "criminal defence",
        "human rights",
    ),
    hotline_label="Hotline:",
    online_title="Online consultation:",
    nearest_title="Consulting rooms nearest to you:",
    find_text="Find the nearest consulting room: scan the code or open",
    scan_text="Scan with your phone",
    phone_label="Tel.",
    hours_label="Hours:",
)
TEXTS = {"uk": UK, "en": EN}
HOURS = {
    "uk": "щодня 10:00–16:00, обідня перерва 13:00–14:00",
    "en": "daily 10:00–16:00, lunch break 13:00–14:00",
}
OFFICES = (
    PosterOffice(
        name="Консультаційний пункт «Ґанок» на Подолі",
        address="вул. Хорива, 4, Київ, 04071",
        phone="+380 44 123 45 67",
        hours="пн–пт 9:00–18:00",
        distance="0,8 км",
    ),
    PosterOffice(
        name="Громадська приймальня Шевченківського району",
        address="просп. Перемоги, 15-А, офіс 214, Київ",
        phone="+380 44 765 43 21",
        hours="пн, ср, пт 10:00–17:00",
        distance="2,3 км",
    ),
    PosterOffice(
        name="Legal Clinic Kyiv-Mohyla",
        address="7 Skovorody St, Kyiv",
        phone="+380 67 000 00 01",
        hours="Tu–Sa 11:00–19:00",
        distance="4.1 km",
    ),
)
NEAR_URL = SITE + "/offices?near=%D0%9A%D0%B8%D1%97%D0%B2"  # near=Київ
SIZES_PT = {"A4": (595.28, 841.89), "A3": (841.89, 1190.55)}
MM = 72 / 25.4


def make(lang="uk", size="A4", personal=False, **kw):
    args = dict(
        lang=lang,
        size=size,
        site_url=SITE,
        qr_url=NEAR_URL if personal else SITE + "/",
        texts=TEXTS[lang],
        hotline="0 800 213 103",
        chat_hours=HOURS[lang],
        offices=OFFICES if personal else (),
    )
    args.update(kw)
    return render_poster(**args)


def page_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def render_png(pdf: bytes, dpi: int) -> bytes:
    """The page as Poppler draws it (what a printer driver would see)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "poster.pdf")
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", source, Path(tmp, "page")],
            check=True,
            capture_output=True,
        )
        return Path(tmp, "page.png").read_bytes()


def render(pdf: bytes, dpi: int) -> Image.Image:
    return Image.open(io.BytesIO(render_png(pdf, dpi))).convert("RGB")


def read_qr(pdf: bytes) -> list[str]:
    """Every code zbarimg finds on a 150 dpi rendering of the page."""
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp, "page.png")
        image.write_bytes(render_png(pdf, 150))
        out = subprocess.run(["zbarimg", "-q", "--raw", image], capture_output=True, check=False)
    return out.stdout.decode().split()


def font_sizes(pdf: bytes) -> dict[str, float]:
    """The largest size (in points on the page) each piece of text is set in."""
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        scale = abs(tm[3] * cm[3]) or 1.0
        if text.strip():
            key = text.strip()
            sizes[key] = max(sizes.get(key, 0.0), size * scale)

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return sizes


COMBOS = [
    (lang, size, personal) for lang in TEXTS for size in SIZES_PT for personal in (False, True)
]


@pytest.mark.parametrize(("lang", "size", "personal"), COMBOS)
def test_poster_is_one_page_of_the_exact_size(lang, size, personal):
    reader = PdfReader(io.BytesIO(make(lang, size, personal)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(SIZES_PT[size][0], abs=0.5)
    assert float(box.height) == pytest.approx(SIZES_PT[size][1], abs=0.5)


@pytest.mark.parametrize(("lang", "size", "personal"), COMBOS)
def test_poster_text_extracts_intact_in_its_language(lang, size, personal):
    text = page_text(make(lang, size, personal))
    t = TEXTS[lang]
    for sentence in (t.network, t.headline, t.subheadline, t.helps_title, *t.helps):
        assert " ".join(sentence.split()) in text
    assert f"{t.hotline_label} 0 800 213 103" in text
    assert t.online_title in text and HOURS[lang] in text
    assert "help.example.org" in text
    assert "\ufffd" not in text  # no glyph lost on the way
    if lang == "uk":
        assert "Безкоштовна юридична консультація" in text
        assert "Мережа правової допомоги" in text


@pytest.mark.parametrize(("lang", "size", "personal"), COMBOS)
def test_qr_code_reads_back_as_the_right_address(lang, size, personal):
    assert read_qr(make(lang, size, personal)) == [NEAR_URL if personal else SITE + "/"]


@pytest.mark.parametrize("size", SIZES_PT)
def test_personalised_poster_lists_the_nearest_offices(size):
    text = page_text(make("uk", size, personal=True))
    assert UK.nearest_title in text
    for office in OFFICES:
        assert f"{office.name} · {office.distance}" in text
        assert office.address in text
        assert f"Тел. {office.phone}" in text
        assert f"Графік: {office.hours}" in text
    assert UK.find_text not in text


def test_general_poster_tells_how_to_find_an_office_instead():
    text = page_text(make("en", "A4", personal=False))
    assert EN.find_text in text
    assert EN.nearest_title not in text
    assert "Legal Clinic" not in text


def test_office_names_with_markup_print_as_plain_text():
    office = PosterOffice(
        name="<b>x</b> & <script>alert(1)</script>",
        address='<font size="80">вул. Тиха, 1</font>',
        phone="<br/>",
        hours="<i>пн</i>",
    )
    pdf = make("uk", "A4", personal=True, offices=(office,))
    text = page_text(pdf)
    assert "<b>x</b> & <script>alert(1)</script>" in text
    assert '<font size="80">вул. Тиха, 1</font>' in text
    assert "Тел. <br/>" in text
    assert "Графік: <i>пн</i>" in text


def test_control_characters_are_dropped_not_printed_as_boxes():
    assert clean_text("Київ\x00\x07\u200b, вул.\tХрещатик\n 1") == "Київ, вул. Хрещатик 1"
    assert clean_text("ґ є і ї ’ ₴ №") == "ґ є і ї ’ ₴ №"  # all in the shipped font
    pdf = make(
        "uk", "A4", personal=True, offices=(PosterOffice(name="Пункт\x00№1", address="Львів"),)
    )
    assert "Пункт№1" in page_text(pdf)


@pytest.mark.parametrize(("size", "minimum"), [("A4", 48), ("A3", 48 * 2**0.5)])
def test_headline_is_large_enough_to_read_from_two_metres(size, minimum):
    sizes = font_sizes(make("uk", size, personal=True))
    headline_words = UK.headline.split()
    assert all(sizes[word] >= minimum for word in headline_words)
    hotline = [s for text, s in sizes.items() if "0 800 213 103" in text]
    assert hotline and min(hotline) >= 24 * (minimum / 48)


@pytest.mark.parametrize(("lang", "size", "personal"), [("uk", "A4", True), ("en", "A3", False)])
def test_ink_stays_inside_the_margins_and_is_black_on_white(lang, size, personal):
    dpi = 50
    image = render(make(lang, size, personal), dpi)
    width, height = image.size
    edge = int(15 * MM * dpi / 72)  # 15 mm, in pixels
    red, green, blue = image.split()
    for a, b in ((red, green), (green, blue), (red, blue)):
        assert ImageChops.difference(a, b).getextrema()[1] < 10, "colour would not photocopy"
    grey = image.convert("L")
    assert grey.getextrema()[0] < 20  # there is black ink on the page
    for strip in (
        (0, 0, width, edge),
        (0, height - edge, width, height),
        (0, 0, edge, height),
        (width - edge, 0, width, height),
    ):
        assert grey.crop(strip).getextrema()[0] > 245, f"ink in the margin {strip}"


def test_fonts_are_embedded_and_nothing_else_is_referenced():
    reader = PdfReader(io.BytesIO(make("uk", "A4", personal=True)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        assert "DejaVuSans" in font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_same_arguments_give_the_same_bytes():
    assert make("uk", "A4", personal=True) == make("uk", "A4", personal=True)
    assert make("uk", "A4", personal=True) != make("en", "A4", personal=True)


def test_long_names_and_many_lines_still_fit_on_one_page():
    long = PosterOffice(
        name="Представництво " + "дуже довгої назви громадської організації " * 6,
        address="вулиця " + "Героїв Оборони " * 15,
        phone="+380 44 000 00 00, +380 67 000 00 00, +380 50 000 00 00",
        hours="пн–пт 9:00–18:00, сб 10:00–14:00, обід 13:00–14:00 " * 3,
    )
    pdf = make("uk", "A4", personal=True, offices=(long, long, long), hotline="0 800 " * 10)
    text = page_text(pdf)
    assert "Героїв Оборони" in text
    assert read_qr(pdf) == [NEAR_URL]
    assert min(font_sizes(pdf)[w] for w in UK.headline.split()) >= 48


def test_unknown_size_is_refused():
    with pytest.raises(PosterError):
        make("uk", "A5")
    with pytest.raises(PosterError):
        make("uk", "A4", qr_url="")


def test_display_url_is_readable_and_short():
    assert display_url(NEAR_URL) == "help.example.org/offices?near=Київ"
    assert display_url(SITE + "/") == "help.example.org"
    assert display_url(SITE + "/offices?near=" + "x" * 200) == "help.example.org"

"""Statement Markdown becomes HTML with nothing that can run."""

import pytest

from locator.statements.rendering import plain_text, render_markdown


def test_markdown_is_rendered():
    html = render_markdown("Some **bold** and *italic* text.\n\n- one\n- two\n")
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<ul>" in html and "<li>two</li>" in html


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "Text <script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<p onclick="alert(1)">click</p>',
        "<img src=x onerror=alert(1)>",
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        "<svg onload=alert(1)></svg>",
        '<a href="data:text/html,alert(1)">x</a>',
    ],
)
def test_nothing_that_can_run_survives(markdown):
    html = render_markdown(markdown).lower()
    for bad in [
        "<script",
        "alert(1)</",
        "javascript:",
        "onclick",
        "onerror",
        "onload",
        "<iframe",
        "<style",
        "<img",
        "<svg",
        "data:",
    ]:
        assert bad not in html


def test_links_keep_their_address_and_get_nofollow():
    html = render_markdown("[site](https://example.org/a?b=1) and <https://example.org/c>")
    assert '<a href="https://example.org/a?b=1" rel="nofollow noopener">site</a>' in html
    assert 'href="https://example.org/c"' in html


def test_headings_step_down_below_the_page_title():
    html = render_markdown("# Top\n\n## Next\n\n###### Last\n")
    assert "<h2>Top</h2>" in html and "<h3>Next</h3>" in html and "<h6>Last</h6>" in html
    assert "<h1" not in html


def test_plain_text_summary():
    html = render_markdown("A **bold** claim & <b>more</b> words here")
    assert plain_text(html) == "A bold claim & more words here"
    assert plain_text(html, 12) == "A bold claim…"

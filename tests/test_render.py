"""Comment bodies: the Markdown subset that is kept, and everything that is not."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus.clinic import corpus
from moderation.render import markdown_html, plain_html, render_body


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element of the HTML, as a browser would see it, with its attributes."""
    found: list[tuple[str, dict[str, str | None]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


@pytest.mark.parametrize(
    "text, html",
    [
        ("Plain words.", "<p>Plain words.</p>"),
        ("one\n\ntwo", "<p>one</p>\n<p>two</p>"),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        ("*soft* and **strong**", "<p><em>soft</em> and <strong>strong</strong></p>"),
        ("use `ketamine --dose`", "<p>use <code>ketamine --dose</code></p>"),
        ("```\nblock\n```", "<pre><code>block\n</code></pre>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'),
    ],
)
def test_the_markdown_subset_renders(text: str, html: str) -> None:
    assert render_body(text) == html


def test_links_are_http_only_and_marked_as_user_content() -> None:
    html = render_body("[clinic](https://clinic.example/faq) and <https://clinic.example/> or <desk@clinic.example>")
    assert html.count('rel="nofollow ugc noopener"') == 3
    assert 'href="https://clinic.example/faq"' in html
    assert 'href="mailto:desk@clinic.example"' in html


@pytest.mark.parametrize(
    "link",
    [
        "[the FAQ](jav&#x09;ascript:alert(1))",  # the tab is percent-encoded: a relative link
        "[the FAQ](java&#0000058;script:alert(1))",
        "[the FAQ](//evil.example/phish)",
        "[the FAQ](/relative/page)",
        "[the FAQ](#top)",
        "[the FAQ](http:evil.example)",
        "[the FAQ](https:\\\\evil.example)",
        "[the FAQ][ref]\n\n[ref]: jav&#x0A;ascript:alert(1)",
        "**[the FAQ](ftp://files.example/x)**",
    ],
)
def test_a_link_without_an_absolute_http_or_mailto_target_is_plain_text(link: str) -> None:
    html = render_body(link)
    assert "<a" not in html
    assert "the FAQ" in html and "(" not in html  # the reader sees the words, not the markup


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "[x](ftp://files.example/x)",
        "<javascript:alert(1)>",
    ],
)
def test_links_to_other_schemes_lose_their_href(link: str) -> None:
    assert all("href" not in attributes for _, attributes in elements(render_body(link)))


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="https://x.example" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
        "<svg onload=alert(1)>",
    ],
)
def test_raw_html_is_shown_as_text_never_as_markup(text: str) -> None:
    html = render_body(text)
    assert [tag for tag, _ in elements(html)] == ["p"]
    assert "&lt;" in html  # the reader still sees what was typed


def test_images_and_headings_are_not_rendered() -> None:
    html = render_body("# Big title\n\n![pic](https://x.example/p.png)")
    assert "<h1" not in html and "<img" not in html
    assert "# Big title" in html


def test_rendering_is_the_same_every_time() -> None:
    text = "Some *text* with [a link](https://clinic.example)."
    assert render_body(text) == render_body(text)


# Words, everyday punctuation, spaces and line ends, and now and then a mark that needs the parser.
PLAIN_ENOUGH = st.text(
    st.sampled_from(
        list("ab Zé1 9.,;:?!'\"()/%@$-+=\n\n  ")
        + ["ñ", "日", "’", "—", "*", "_", "[", "]", "<", "&", "#", "`", ">", "\t", "\u00a0"]
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=3000, deadline=None)
@given(PLAIN_ENOUGH)
def test_a_text_without_markdown_renders_as_the_parser_renders_it(text: str) -> None:
    """Plain text skips the Markdown parser and the sanitiser; its HTML is theirs all the same."""
    plain = plain_html(text)
    if plain is not None:
        assert plain == markdown_html(text)


def test_most_comments_need_no_parser_and_come_out_the_same() -> None:
    texts = [comment.body for comment in corpus()]
    plain = [text for text in texts if plain_html(text) is not None]
    assert all(plain_html(text) == markdown_html(text) for text in plain)
    print(f"\n{len(plain)} of {len(texts)} comments of the corpus rendered without the parser")
    assert len(plain) > len(texts) * 0.9
    assert plain_html("**bold**") is None and plain_html("1. first") is None and plain_html("    code") is None

"""Comment bodies: a small Markdown subset, rendered once and sanitised."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}

# A link must say where it goes: anything else (relative, protocol-relative, or a scheme
# smuggled past the parser such as "jav&#x09;ascript:", which comes out relative) is text.
LINK_TARGET = re.compile(r"(?:https?://|mailto:)\S", re.IGNORECASE)


def _unlink_unsafe_targets(state: StateCore) -> None:
    """Drop the <a> of every link whose target is not absolute http(s) or mailto; keep its text."""
    for block in state.tokens:
        if not block.children:
            continue
        kept, dropping = [], False
        for token in block.children:
            if token.type == "link_open" and not LINK_TARGET.match(str(token.attrGet("href") or "")):
                dropping = True  # links do not nest, so the next link_close is this one's
                continue
            if token.type == "link_close" and dropping:
                dropping = False
                continue
            kept.append(token)
        block.children = kept


# Raw HTML is off at the parser and the sanitiser still runs: either alone would do, both
# together mean one mistake is not enough.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(
    ["image", "heading", "lheading", "html_block", "html_inline"]
)
_markdown.core.ruler.push("unlink_unsafe_targets", _unlink_unsafe_targets)


def _absolute_hrefs_only(tag: str, attribute: str, value: str) -> str | None:
    # The sanitiser's own check: a relative href that reached it anyway is dropped.
    if attribute == "href" and not LINK_TARGET.match(value):
        return None
    return value


# Built once: nh3.clean() would build the same sanitiser anew for every comment.
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes={"a": {"href"}, "ol": {"start"}},
    attribute_filter=_absolute_hrefs_only,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow ugc noopener",
)


def render_body(text: str) -> str:
    plain = plain_html(text)
    return plain if plain is not None else markdown_html(text)


def markdown_html(text: str) -> str:
    return sanitise_html(_markdown.render(text))


# What most comments are: lines of words and everyday punctuation, none of Markdown's marks, no
# line that could open a list, a quote, a heading or code, no space but the ASCII one. Their HTML
# is known without the parser and the sanitiser, which cost more than all the rest of rendering
# (tests/test_render.py holds the two ways to the same output).
_MARKS = re.compile(
    r"[\\`*_\[\]<>&#|~{}^\t\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff"
    r"\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
)
_BLOCK_START = re.compile(r"^(?: {4}| {0,3}(?:[-+=]|\d{1,9}[.)]))", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n(?: *\n)+")


def plain_html(text: str) -> str | None:
    """The HTML of a text with no Markdown in it (paragraphs, and a <br> at each line's end), or
    None for a text that needs the parser."""
    if _MARKS.search(text) or _BLOCK_START.search(text):
        return None
    paragraphs = [
        "<br>\n".join(line.strip(" ") for line in paragraph.split("\n"))
        for paragraph in _BLANK_LINES.split(text.strip(" \n"))
    ]
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs) if paragraphs != [""] else None


def sanitise_html(html: str) -> str:
    """HTML written elsewhere (an imported comment): the same tags, links and checks as ours."""
    return _cleaner.clean(html).strip()

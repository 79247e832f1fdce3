"""Comment bodies: a small Markdown subset, rendered once and sanitised."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}

# Raw HTML is off at the parser and the sanitiser still runs: either alone would do, both
# together mean one mistake is not enough.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(
    ["image", "heading", "lheading", "html_block", "html_inline"]
)


def render_body(text: str) -> str:
    return nh3.clean(
        _markdown.render(text),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}, "ol": {"start"}},
        url_schemes={"http", "https"},
        link_rel="nofollow ugc noopener",
    ).strip()

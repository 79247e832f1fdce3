"""Imported HTML: `body_html` is the source's HTML through our sanitiser, `body` its plain text.

The text is what the queue, mail and duplicate checks read; the HTML is what readers saw on the
old site, minus whatever our sanitiser does not allow.
"""

from __future__ import annotations

import html
import re

from ..render import sanitise_html

BLOCK_END = re.compile(r"</(?:p|blockquote|li|pre|ul|ol)>|<hr\s*/?>", re.IGNORECASE)
LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")
HAS_BLOCKS = re.compile(r"<(?:p|br|blockquote|ul|ol|pre)\b", re.IGNORECASE)


def paragraphs(text: str) -> str:
    """WordPress stores comments without <p>: its display adds them from blank lines and newlines."""
    if HAS_BLOCKS.search(text):
        return text
    parts = [part.strip() for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    return "".join("<p>" + part.replace("\n", "<br>\n") + "</p>" for part in parts)


def to_text(markup: str) -> str:
    """Plain text laid out as a reader would type it: a line per <br>, a blank line per block."""
    flat = re.sub(r"\s+", " ", markup)  # in HTML a newline is a space
    text = TAG.sub("", BLOCK_END.sub("\n\n", LINE_BREAK.sub("\n", flat)))
    lines = [line.strip() for line in html.unescape(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def from_html(markup: str) -> tuple[str, str]:
    """(body, body_html) of an imported HTML comment."""
    clean = sanitise_html(paragraphs(markup))
    return to_text(clean), clean

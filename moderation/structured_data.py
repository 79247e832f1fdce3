"""What search engines read of a thread: its approved comments as schema.org JSON-LD."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from markupsafe import Markup

from .links import Links
from .models import Comment, CommentStatus, Thread, utc_text

# Inside a <script> element only "</script" or "<!--" could end it or bend it: with no "<" left,
# nothing can. ">" and "&" go too, so the text is inert in any HTML context. JSON reads the
# escapes back as the same characters.
_INERT_IN_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})

# What a comment body's HTML may hold (render.ALLOWED_TAGS), by how its text is set apart.
_PARAGRAPHS = {"p", "pre", "blockquote", "ul", "ol", "hr"}
_LINES = {"li", "br"}
_SPACES = re.compile(r"\s+")


class _PlainText(HTMLParser):
    """The text a reader sees of a sanitised body: paragraphs apart, a line break for <br> and
    each list item, runs of spaces as one (but in <pre>), the entities read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._owed = ""  # the break due before the next text: none, a line or a paragraph
        self._in_pre = 0

    def _owe(self, newlines: str) -> None:
        self._owed = max(self._owed, newlines, key=len)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_pre += tag == "pre"
        if tag in _PARAGRAPHS:
            self._owe("\n\n")
        elif tag in _LINES:
            self._owe("\n")

    def handle_endtag(self, tag: str) -> None:
        self._in_pre -= tag == "pre"
        if tag in _PARAGRAPHS:
            self._owe("\n\n")
        elif tag == "li":
            self._owe("\n")

    def handle_data(self, data: str) -> None:
        if not self._in_pre:
            data = _SPACES.sub(" ", data)
            if self._owed or not self.parts or self.parts[-1].endswith(" "):
                data = data.lstrip(" ")
        if not data:
            return
        if self._owed and self.parts:
            self.parts[-1] = self.parts[-1].rstrip(" ")
            self.parts.append(self._owed)
        self._owed = ""
        self.parts.append(data)


def plain_text(body_html: str) -> str:
    reader = _PlainText()
    reader.feed(body_html)
    reader.close()
    return "".join(reader.parts).strip()


def _comment(comment: Comment, page_url: str) -> dict[str, object]:
    author: dict[str, object] = {"@type": "Person", "name": comment.name}
    if comment.website:  # shown as the name's link on the page, so public already
        author["url"] = comment.website
    return {
        "@type": "Comment",
        "url": Links.on_page(page_url, comment.id),
        "author": author,
        "text": plain_text(comment.body_html),
        "dateCreated": utc_text(comment.created),
    }


def article(thread: Thread, *, headline: str, page_url: str) -> Markup:
    """The page as an Article with the thread's approved comments, each reply in its parent's
    `comment`, as the thread's markup shows them; ready to stand inside <script>."""
    # A comment its writer deleted says nothing: its replies answer the page instead.
    deleted = {comment.id for comment in thread.comments if comment.status is CommentStatus.DELETED}
    shown = [comment for comment in thread.comments if comment.id not in deleted]
    nodes = {comment.id: _comment(comment, page_url) for comment in shown}
    replies: dict[int | None, list[dict[str, object]]] = {None: []}
    for comment in shown:
        parent = None if comment.parent in deleted else comment.parent
        # A reply to a comment that is not shown is not shown either, as in _comments.html.
        if parent is None or parent in nodes:
            replies.setdefault(parent, []).append(nodes[comment.id])
    for parent, answers in replies.items():
        if parent is not None:
            nodes[parent]["comment"] = answers
    page: dict[str, object] = {"@context": "https://schema.org", "@type": "Article", "url": page_url}
    if headline:
        page["headline"] = headline
    page |= {"commentCount": len(shown), "comment": replies[None]}
    return Markup(json.dumps(page, ensure_ascii=False).translate(_INERT_IN_HTML))

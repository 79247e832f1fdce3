"""Every address the service shows, in a mail, a webhook, a page or a template: built from the
named routes (views/__init__.py), the public URL and the site's first origin, in one place."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from .config import Config
from .models import CommentStatus, Sort
from .search import Listing


class Links:
    """Paths on this service for its own pages; absolute URLs for what is read elsewhere (mail,
    webhooks, the fragment); the site's own pages for the threads."""

    def __init__(self, router: web.UrlDispatcher, config: Config):
        self._router = router
        self._public_url = config.public_url
        self.site = config.allowed_origins[0]  # where a thread's key is a path

    def _path(self, route: str, **parts: str) -> str:
        return str(self._router[route].url_for(**parts))

    def absolute(self, path: str) -> str:
        """A path of this service as a link from elsewhere: under the public URL."""
        return self._public_url + path

    # This service's pages and forms.

    def article(self) -> str:
        return self._path("article")

    def thanks(self, pending: str, lang: str) -> str:
        return str(self._router["thanks"].url_for().with_query(pending=pending, lang=lang))

    def widget(self) -> str:
        return self._path("widget")

    def static(self, name: str) -> str:
        return self._path("static", name=name)

    def avatar(self, key: str) -> str:
        return self._path("avatar", key=key)

    def submit(self) -> str:
        return self._path("submit")

    def queue(
        self, listing: CommentStatus | Listing | None = None, after: str | None = None, done: str | None = None
    ) -> str:
        """The queue, or one tab of it (maybe searched, sorted, filtered) from a page's cursor,
        showing what a decision did."""
        if isinstance(listing, CommentStatus):
            listing = Listing(listing)
        query = {"status": listing.status.value} if listing else {}
        if listing and listing.q:
            query["q"] = listing.q
        if listing and listing.sort is not Sort.OLDEST:
            query["sort"] = listing.sort.value
        if listing and listing.unanswered:
            query["filter"] = "unanswered"
        query |= ({"after": after} if after else {}) | ({"done": done} if done else {})
        # urlencode, not yarl's query: a cursor's ":" is escaped, as the queue's links always were.
        return self._path("queue") + (f"?{urlencode(query)}" if query else "")

    def request_signin(self) -> str:
        return self._path("request_signin")

    def sign_out(self) -> str:
        return self._path("sign_out")

    def my_data(self, lang: str) -> str:
        """The page where readers ask for a link to what is kept under their address."""
        return self._path("my_data") + f"?{urlencode({'lang': lang})}"

    def ask_my_data(self) -> str:
        return self._path("ask_my_data")

    def my_data_download(self, token: str, lang: str) -> str:
        return self._path("my_data_download", token=token) + f"?{urlencode({'lang': lang})}"

    def my_data_erase(self, token: str, lang: str) -> str:
        return self._path("my_data_erase", token=token) + f"?{urlencode({'lang': lang})}"

    def decide(self) -> str:
        return self._path("decide")

    def reply(self) -> str:
        return self._path("reply")

    # Links in mail: absolute, each carrying its token.

    def decision(self, token: str) -> str:
        """A moderator's approve or reject link (the token says which, for whom)."""
        return self.absolute(self._path("confirm", token=token))

    def sign_in(self, token: str) -> str:
        return self.absolute(self._path("confirm_signin", token=token))

    def confirm_subscription(self, token: str, lang: str) -> str:
        return self.absolute(self._path("confirm_subscription", token=token) + f"?{urlencode({'lang': lang})}")

    def unsubscribe(self, token: str, lang: str) -> str:
        return self.absolute(self._path("unsubscribe", token=token) + f"?{urlencode({'lang': lang})}")

    def my_data_link(self, token: str, lang: str) -> str:
        """What is kept under the address a /mydata mail went to."""
        return self.absolute(self._path("my_data_link", token=token) + f"?{urlencode({'lang': lang})}")

    def mine(self, token: str) -> str:
        """A commenter's private link to their own comment."""
        return self.absolute(self._path("mine", token=token))

    # The site's pages.

    @staticmethod
    def on_page(page_url: str, comment_id: int) -> str:
        """A comment where a page, given by its full URL, shows it (the demo article is on this service)."""
        return f"{page_url}#comment-{comment_id}"

    def thread_page(self, thread: str) -> str:
        return self.site + thread

    def comment_anchor(self, thread: str, comment_id: int) -> str:
        """A comment where it shows on its thread's page."""
        return f"{self.site}{thread}#comment-{comment_id}"

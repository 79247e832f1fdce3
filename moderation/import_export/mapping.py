"""From a source's page URL to our thread key: the path, as the widget sends location.pathname."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote, urlsplit

from ..errors import ForeignHost


class Slash(StrEnum):
    KEEP = "keep"
    ADD = "add"
    STRIP = "strip"


@dataclass(frozen=True)
class Mapping:
    prefixes: tuple[tuple[str, str], ...] = ()  # (old, new): the first that matches rewrites the URL
    hosts: frozenset[str] = field(default_factory=frozenset)  # empty: every host is the site's
    slash: Slash = Slash.KEEP

    def thread(self, url: str) -> str:
        for old, new in self.prefixes:
            if url.startswith(old):
                url = new + url[len(old) :]
                break
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if host and self.hosts and host not in self.hosts:
            raise ForeignHost(host)
        # Browsers give the path percent-encoded: encode what is not yet, keep what is.
        path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~")
        if not path.startswith("/"):
            path = "/" + path
        if self.slash is Slash.STRIP and path != "/":
            path = path.rstrip("/") or "/"
        elif self.slash is Slash.ADD and not path.endswith("/"):
            path += "/"
        return path

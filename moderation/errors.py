"""The service's own exceptions; the error middleware turns them into HTTP answers."""


class ModerationError(Exception):
    """Base of every error the service raises on purpose."""


class InvalidParent(ModerationError, LookupError):
    """A reply names a comment that is not an approved comment of the same thread."""


class StoreUnavailable(ModerationError, ConnectionError):
    """The database cannot take the request now (locked, full, unreachable): try again later."""


class InvalidToken(ModerationError, ValueError):
    """A moderation link that was forged or altered."""


class ExpiredToken(InvalidToken):
    """A genuine moderation link that is past its time to live."""


class BadCursor(ModerationError, ValueError):
    """A queue page's start that the queue never gave."""


class ClientError(ModerationError):
    """A request we cannot take, with the status and the one sentence that says why.

    The sentence is an English message of the catalogs, translated when it is answered; `values`
    fill in its %(name)s places.
    """

    def __init__(
        self,
        message: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
        values: dict[str, object] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.headers = headers
        self.values = values or {}


class MissingFiles(ModerationError):
    """The installation lacks files it ships with (templates, static files, migrations)."""

"""Every exception the service raises on purpose, under one base: those of a request (the error
middleware turns them into HTTP answers), of start-up, of sending mail and of an import."""


class ModerationError(Exception):
    """Base of every error the service raises on purpose."""


class InvalidParent(ModerationError, LookupError):
    """A reply names a comment that is not an approved comment of the same thread."""


class ThreadClosed(ModerationError, PermissionError):
    """A comment came for a thread that takes none now: closed by hand, or past its age."""


class StoreUnavailable(ModerationError, ConnectionError):
    """The database cannot take the request now (locked, full, unreachable): try again later."""


class InvalidToken(ModerationError, ValueError):
    """A moderation link that was forged or altered."""


class ExpiredToken(InvalidToken):
    """A genuine moderation link that is past its time to live."""


class DeadLink(ModerationError):
    """A sign-in link that cannot sign in, with the status and the sentence its page shows."""

    def __init__(self, status: int, problem: str):
        super().__init__(problem)
        self.status = status
        self.problem = problem


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


class TokenRefused(ModerationError, ValueError):
    """`moderation tokens` cannot do what it was asked (a name taken, or unknown); says why in one line."""


class MissingFiles(ModerationError):
    """The installation lacks files it ships with (templates, static files, migrations)."""


# --- start-up: each message is one line that names the variable ---


class ConfigError(ModerationError, ValueError):
    """A bad setting; the message is one line that names the variable."""


class SealingError(ModerationError, ValueError):
    """Keys that cannot be used; the message is one line naming the variable."""


class KeyMismatch(ModerationError, ValueError):
    """The configured keys are not those the database was written with; one line, naming the variable."""


# --- a submission's text ---


class TooLong(ModerationError, ValueError):
    """A text over its field's length: the sentence (a catalog message with %(most)s) and that length."""

    def __init__(self, sentence: str, most: int):
        super().__init__(sentence)
        self.most = most


# --- sending mail ---


class SessionFailed(ModerationError):
    """The SMTP session could not be opened, or broke while in use: the server is the trouble, not a message."""


# --- moving comments in ---


class ImportRefused(ModerationError):
    """The file cannot be imported; says why in one line."""


class NotAnExport(ImportRefused, ValueError):
    """A JSON lines file that is not this service's export."""


class InvalidRecord(ModerationError, ValueError):
    """What is wrong with one source comment, in a few words."""


class ForeignHost(ModerationError):
    """A URL on a host that is not the site's: the page is reported and its comments skipped."""

    def __init__(self, host: str):
        super().__init__(host)
        self.host = host

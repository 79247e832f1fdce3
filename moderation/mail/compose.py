"""Every mail the service sends, composed from its templates."""

from __future__ import annotations

import email.policy
from collections.abc import Callable
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from ..config import Config
from ..i18n import N_, Language, Languages, ngettext_noop
from ..links import Links
from ..models import LINK_ACTIONS, READER_KINDS, Action, Channel, Comment, CommentStatus, MailKind, Notification
from ..personal_data import LINK_TTL
from ..safety.screening import marker, masked
from ..tokens import LinkSigner, SigninSigner
from .payloads import DigestMail, DigestMode, MyDataMail, PublishedMail, ReplyMail, SignInMail

Context = dict[str, object]  # what a mail's templates are rendered with


class _Headers(HeaderRegistry):
    """The standard header registry, but each header's class is made once, not on every use.

    The standard library builds a new class with type() every time a header is set or read:
    that was a third of the time it takes to compose a message.
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = super().__getitem__(name)
        return made


POLICY = email.policy.default.clone(header_factory=_Headers())


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _commenter(comment: Comment) -> dict[str, str]:
    """What a mail's text says of who wrote a comment, each on one line: no field can add a line."""
    return {
        "name": _one_line(comment.name),
        "email": _one_line(comment.email),
        "website": _one_line(comment.website),
    }


def _submitted_title(comment: Comment) -> str:
    """The page's title as the commenter sent it, when it is not the thread's: the moderator sees
    what was tried, and no reader ever does."""
    given = _one_line(comment.submitted_title)
    return given if given != _one_line(comment.title) else ""


BURST_SUBJECT = ngettext_noop(
    "%(num)s more comment awaiting approval, from a busy hour",
    "%(num)s more comments awaiting approval, from a busy hour",
)
# "Urgent" stays English and first in every language, as Approve and Reject do: mail filters read it.
URGENT = "Urgent"
URGENT_SUBJECT = N_("a reader may be in crisis: %(title)s")
# A kind whose mail is another's, with a flag in its context: an urgent mail is a new_comment one.
TEMPLATES = {MailKind.URGENT: MailKind.NEW_COMMENT}
DIGEST_SUBJECT = ngettext_noop("%(num)s comment awaiting approval", "%(num)s comments awaiting approval")
MY_DATA_HOURS = LINK_TTL / 3600
EXCERPT = 600  # characters of each comment in a digest: enough to judge most, the page has the rest


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + " [...]"


class Composer:
    """Writes each kind of mail in the outbox from its templates: email/KIND.txt and .html.

    Composing a mail again gives the same message (Message-ID included), so that a re-send
    after a crash is recognisable as a copy. Moderators read the site's language (MODERATION_LANGUAGE),
    readers that of the page they commented on.
    """

    def __init__(self, *, config: Config, signer: LinkSigner, languages: Languages, links: Links):
        self._config = config
        self._links = links
        self._signer = signer
        self._languages = languages
        self._domain = config.mail_from.rpartition("@")[2]
        self._signin = SigninSigner(config.secret_key)
        # Each kind: its subject and the context of its templates, in the language given.
        self._kinds: dict[MailKind, Callable[[Notification, Language], tuple[str, Context]]] = {
            MailKind.SIGN_IN: self._sign_in,
            MailKind.NEW_COMMENT: self._new_comment,
            MailKind.URGENT: self._new_comment,
            MailKind.DIGEST: self._digest,
            MailKind.PUBLISHED: self._published,
            MailKind.REPLY: self._reply,
            MailKind.MY_DATA: self._my_data,
        }
        # Groups the site's reader mail for filters and one-click unsubscribe (RFC 2919).
        self._list_id = f"Comment replies <comments.{urlsplit(links.site).hostname}>"

    def language(self, notification: Notification) -> Language:
        """The reader's page's language for mail to readers (a reply: the subscriber's comment's; a
        /mydata link: the page it was asked from); the site's else."""
        if notification.kind is MailKind.MY_DATA:
            return self._languages.get(MyDataMail.from_json(notification.payload).lang)
        if notification.kind not in READER_KINDS:
            return self._languages.site
        reply = ReplyMail.from_json(notification.payload).lang if notification.kind is MailKind.REPLY else ""
        page = reply or (notification.comment.lang if notification.comment else "")
        return self._languages.get(page)

    # [str, str]: its headers are read and set as text (the registry's header objects are str);
    # left out, the stubs would make them Any.
    def __call__(self, notification: Notification) -> EmailMessage[str, str]:
        language = self.language(notification)
        subject, context = self._kinds[notification.kind](notification, language)
        message = EmailMessage(policy=POLICY)
        message["Subject"] = subject
        reader = notification.kind in READER_KINDS
        to_reader = reader or notification.kind is MailKind.MY_DATA  # a list's mail, or a reader's own
        message["From"] = self._config.reader_mail_from if to_reader else self._config.mail_from
        message["To"] = notification.recipient
        message["Date"] = format_datetime(notification.created)
        about = f"comment-{notification.comment.id}." if notification.comment else ""
        message["Message-ID"] = f"<{about}{notification.kind.value}-{notification.id}@{self._domain}>"
        message["Auto-Submitted"] = "auto-generated"
        if reader:  # RFC 2369 and RFC 8058: the mail client's own unsubscribe button works
            message["List-Id"] = self._list_id
            message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Content-Language"] = language.code
        template = f"email/{TEMPLATES.get(notification.kind, notification.kind).value}"
        templates = language.templates
        message.set_content(templates.get_template(f"{template}.txt").render(context))
        message.add_alternative(templates.get_template(f"{template}.html").render(context), subtype="html")
        return message

    def _sign_in(self, notification: Notification, language: Language) -> tuple[str, Context]:
        """A moderator asked for a link that signs in to the queue."""
        token = self._signin.mint(SignInMail.from_json(notification.payload).link)
        context = {
            "signin_url": self._links.sign_in(token),
            "queue_url": self._links.absolute(self._links.queue()),
            "minutes": max(1, round(self._config.signin_ttl / 60)),
        }
        return language.gettext(N_("Your sign-in link for the moderation queue")), context

    def _for_moderators(self, comment: Comment, language: Language) -> tuple[Comment, bool]:
        """The comment as moderator mail shows it, and whether personal details were masked: mail
        passes through mail providers, so its details are markers and the values stay in the queue."""
        hidden = masked(comment, self._config.language, marker(language))
        return (comment, False) if hidden is None else (hidden, True)

    def _new_comment(self, notification: Notification, language: Language) -> tuple[str, Context]:
        """One moderator is asked to approve or reject one comment (urgent: at once, a reader in crisis)."""
        assert notification.comment is not None
        comment, hidden = self._for_moderators(notification.comment, language)
        links = {
            action: self._links.decision(self._signer.mint(comment.id, action, notification.recipient))
            for action in LINK_ACTIONS
        }
        page_title = _one_line(comment.title or comment.thread)
        context = {
            "comment": comment,
            **_commenter(comment),
            "page_title": page_title,
            "page_url": self._links.thread_page(comment.thread),
            "submitted_title": _submitted_title(comment),
            "approve_url": links[Action.APPROVE],
            "reject_url": links[Action.REJECT],
            "ttl_days": round(self._config.link_ttl / 86400, 1),
            "masked": hidden,
            "urgent": notification.kind is MailKind.URGENT,
        }
        if context["urgent"]:
            return f"{URGENT} — {language.gettext(URGENT_SUBJECT, title=page_title)}", context
        return language.gettext(N_("New comment awaiting approval: %(title)s"), title=page_title), context

    def _digest(self, notification: Notification, language: Language) -> tuple[str, Context]:
        """One moderator's list of what waits, from the comments' state as it goes out.

        A comment decided since the digest was written stays in it, marked decided and without
        links: the list is what the digest was about, and a link would only lead to "already
        decided". The count says how many wait now.
        """
        listing = notification.listing
        assert listing is not None, "the sender reads a digest's comments before composing it"
        items = [self._digest_item(comment, notification.recipient, language) for comment in listing.comments]
        still = sum(1 for comment in listing.comments if comment.status is CommentStatus.PENDING)
        context = {
            "burst": DigestMail.from_json(notification.payload).mode is DigestMode.BURST,
            "items": items,
            "waiting": listing.waiting,
            "not_listed": max(0, listing.waiting - still),
            "queue_url": self._links.absolute(self._links.queue()),
            "cap": self._config.burst_cap,
            "ttl_days": round(self._config.link_ttl / 86400, 1),
        }
        if context["burst"]:
            subject = language.ngettext(*BURST_SUBJECT, len(items))
        else:
            subject = language.ngettext(*DIGEST_SUBJECT, listing.waiting)
        return subject, context

    def _digest_item(self, stored: Comment, moderator: str, language: Language) -> Context:
        def link(action: Action) -> str:
            return self._links.decision(self._signer.mint(comment.id, action, moderator, Channel.DIGEST_LINK))

        comment, hidden = self._for_moderators(stored, language)
        pending = comment.status is CommentStatus.PENDING
        return {
            "masked": hidden,
            "comment": comment,
            **_commenter(comment),
            "pending": pending,
            "page_title": _one_line(comment.title or comment.thread),
            "page_url": self._links.thread_page(comment.thread),
            "submitted_title": _submitted_title(comment),
            "excerpt": _excerpt(comment.body),
            "created": comment.created.strftime("%Y-%m-%d %H:%M UTC"),
            "approve_url": link(Action.APPROVE),
            "reject_url": link(Action.REJECT),
        }

    def _reader_context(self, notification: Notification, language: Language, unsubscribe: str) -> Context:
        comment = notification.comment
        assert comment is not None
        # The pages its links open speak the mail's language too.
        return {
            "page_title": _one_line(comment.title or comment.thread),
            "page_url": self._links.thread_page(comment.thread),
            "comment_url": self._links.comment_anchor(comment.thread, comment.id),
            "unsubscribe_url": self._links.unsubscribe(unsubscribe, language.code),
        }

    def _published(self, notification: Notification, language: Language) -> tuple[str, Context]:
        """A reader's comment is published; unless the address confirmed before, a button to confirm.

        The comment's text is not in it: whoever typed this address in learns nothing from it.
        """
        published = PublishedMail.from_json(notification.payload)
        context = self._reader_context(notification, language, published.unsubscribe)
        confirm = published.confirm
        context["confirm_url"] = self._links.confirm_subscription(confirm, language.code) if confirm else None
        context["manage_url"] = self._links.mine(published.manage) if published.manage else None
        return language.gettext(N_("Your comment is published: %(title)s"), title=context["page_title"]), context

    def _reply(self, notification: Notification, language: Language) -> tuple[str, Context]:
        """Someone replied to a confirmed subscriber's comment: the reply's public name and text."""
        reply = notification.comment
        assert reply is not None
        context = self._reader_context(notification, language, ReplyMail.from_json(notification.payload).unsubscribe)
        context["reply"] = reply
        context["reply_name"] = _one_line(reply.name)
        context["reply_url"] = context.pop("comment_url")
        subject = language.gettext(
            N_("%(name)s replied to your comment: %(title)s"), name=_one_line(reply.name), title=context["page_title"]
        )
        return subject, context

    def _my_data(self, notification: Notification, language: Language) -> tuple[str, Context]:
        """Someone asked at /mydata what is kept under this address: the link that shows it."""
        payload = MyDataMail.from_json(notification.payload)
        context = {
            "data_url": self._links.my_data_link(payload.token, language.code),
            "site_url": self._links.site,
            "hours": round(MY_DATA_HOURS),
        }
        return language.gettext(N_("What we keep under your email address")), context

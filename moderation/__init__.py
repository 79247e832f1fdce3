"""Self-hosted comment moderation: submit, queue, email moderators, approve from the email, publish."""

__version__ = "0.1.0"

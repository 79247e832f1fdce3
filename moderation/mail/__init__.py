"""Mail: who hears about what, composing it, the outbox sender, SMTP, and the dev mailbox."""

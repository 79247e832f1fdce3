"""Webhooks: which event a change writes, its signed body, and the sender that delivers it."""

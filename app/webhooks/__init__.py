"""Signed webhooks: a persistent outbox of events, delivered with retries and backoff."""

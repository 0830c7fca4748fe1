"""Email: composing invitations and reminders, sending them through SMTP or into an outbox folder,
and the retry policy. The queue table and the background worker are wired in the web app."""

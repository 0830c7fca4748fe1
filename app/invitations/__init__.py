"""Invitations over their life: created one by one, in bulk or through an open link; emailed,
reminded, resent, extended and revoked. The mail queue and its worker live here too."""

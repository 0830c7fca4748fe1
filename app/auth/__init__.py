"""Who a staff member is and what they may do: sessions, CSRF, the permission table. The
login and account pages are in ``app/login/``; password rules and hashes in ``app/security/``."""

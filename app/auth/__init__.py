"""Staff accounts: passwords, sessions, CSRF, login and logout."""

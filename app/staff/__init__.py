"""Staff pages: vacancies, invitations, candidate lists."""

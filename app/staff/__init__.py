"""Staff pages for vacancies: create, list, archive, and the vacancy page with its candidates."""

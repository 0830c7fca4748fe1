"""The candidate's side: the personal link, consent, the questionnaire pages, submission."""

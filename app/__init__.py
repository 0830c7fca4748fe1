"""rolefit: the web application (staff pages, the candidate's assessment, reports)."""

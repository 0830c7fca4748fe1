"""Reports for staff: database rows -> a plain report object -> page (and later PDF)."""

"""Candidate experience (issue 15): the optional rating after the thank-you page and the
per-vacancy funnel staff read it in."""

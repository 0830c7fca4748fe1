"""Candidates' personal data: export (one person's data as JSON), erasure on request, and the
retention policy (erasure a configurable time after the vacancy closes)."""

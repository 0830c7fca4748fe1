"""Bulk operations on candidates: reading an invitation list from an uploaded CSV file."""

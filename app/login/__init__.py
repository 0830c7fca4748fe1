"""Signing in and out, and a staff member's own account page (password, sessions). Above
``auth`` (who the user is) and ``audit`` (a login is recorded), so those two need not import
each other."""

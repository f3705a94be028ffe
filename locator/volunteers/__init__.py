"""Volunteers: sign-up with double opt-in, join requests, support and privacy pages."""

"""Readers talk back: questions to the network's experts and error reports (their admin
pages are in `admin.py`)."""

from locator.feedback.views import bp

__all__ = ["bp"]

"""Readers talk back: questions to the network's experts and error reports."""

from locator.feedback import admin_views
from locator.feedback.views import bp

__all__ = ["admin_views", "bp"]

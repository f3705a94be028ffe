"""Help Locator: find the nearest free legal-aid consulting room."""

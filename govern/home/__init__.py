"""The landing page and each community's home page."""

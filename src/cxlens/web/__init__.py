"""The web app of ``cxlens serve``: public survey pages and API, signed-in pages and API."""

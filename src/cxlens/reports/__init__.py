"""Self-contained CX reports (HTML, and PDF through a headless Chromium)."""

from cxlens.reports.build import build_report, parse_period, write_report

__all__ = ["build_report", "parse_period", "write_report"]

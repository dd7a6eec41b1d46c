"""Self-contained CX reports (HTML, and PDF through a headless Chromium).

The builder loads on first use, so the tables' rows and titles (``cxlens.reports.tables``)
can be imported by the commands without the engine.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_report", "parse_period", "write_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cxlens.reports import build

        return getattr(build, name)
    raise AttributeError(f"module 'cxlens.reports' has no attribute {name!r}")

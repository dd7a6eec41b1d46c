"""cxlens: customer-experience measurement.

>>> import cxlens
>>> ws = cxlens.open("my-workspace")   # doctest: +SKIP
>>> ws.table("responses")              # doctest: +SKIP

The names below are loaded on first use, so that ``import cxlens`` (and the
command line, which lives in this package) starts without loading the analytics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxlens.version import __version__

__all__ = ["Workspace", "__version__", "init", "open"]

if TYPE_CHECKING:
    from cxlens.config import init_workspace as init
    from cxlens.workspace import Workspace
    from cxlens.workspace import open_workspace as open


def __getattr__(name: str) -> Any:
    if name == "open":
        from cxlens.workspace import open_workspace

        return open_workspace
    if name == "Workspace":
        from cxlens.workspace import Workspace

        return Workspace
    if name == "init":
        from cxlens.config import init_workspace

        return init_workspace
    raise AttributeError(f"module 'cxlens' has no attribute {name!r}")

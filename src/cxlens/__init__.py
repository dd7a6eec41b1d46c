"""cxlens: customer-experience measurement.

>>> import cxlens
>>> ws = cxlens.open("my-workspace")   # doctest: +SKIP
>>> ws.table("responses")              # doctest: +SKIP
"""

from __future__ import annotations

from cxlens.config import init_workspace as init
from cxlens.workspace import Workspace, open_workspace

__version__ = "0.1.0"

open = open_workspace

__all__ = ["Workspace", "__version__", "init", "open"]

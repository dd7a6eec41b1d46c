"""The ``cxlens`` command (and ``python -m cxlens``).

``cxlens --version`` answers before the command line and its commands are loaded;
everything else runs :func:`cxlens.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from cxlens.version import __version__

        print(f"cxlens {__version__}")
        return
    from cxlens.cli import main as run

    run()


if __name__ == "__main__":
    main()

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

# Each test chooses the terminal width it prints at. pytest-xdist workers inherit a
# COLUMNS that the command line's console would otherwise keep from its first import.
os.environ.pop("COLUMNS", None)

import cxlens
from cxlens.cli import app
from cxlens.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh, empty workspace."""
    cxlens.init(tmp_path / "ws")
    workspace = cxlens.open(tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write text (or bytes) to a file in a scratch folder and return its path."""
    folder = tmp_path / "files"
    folder.mkdir()

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding)
        return path

    return _write


def snapshot(ws: Workspace) -> dict[str, str]:
    """Content hashes of every file in the warehouse folder (lock file aside)."""
    out = {}
    for p in sorted(ws.warehouse.data_dir.iterdir()):
        if p.name == ".write.lock":
            continue
        out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


CUSTOMERS_CSV = (
    "customer_id,created_at,country,language,email,consent\n"
    "C1,2025-01-02 10:00,EE,et,c1@example.com,yes\n"
    "C2,2025-01-05,DE,de,c2@example.com,no\n"
    "C3,2025-02-01T08:30:00Z,FI,fi,c3@example.com,1\n"
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """A demo workspace of 3,000 customers, shared by the analytics tests (read only)."""
    root = tmp_path_factory.mktemp("customers-demo") / "ws"
    result = CliRunner().invoke(
        app, ["demo", str(root), "--customers", "3000", "--seed", "5", "--end", "2026-09-30"]
    )
    assert result.exit_code == 0, result.output
    return root

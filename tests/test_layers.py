"""The import graph: layers point down only, no circles, and a light command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "pandas",
    "numpy",
    "ibis",
    "duckdb",
    "pyarrow",
    "scipy",
    "sklearn",
    "fastapi",
    "sqlalchemy",
    "plotly",
    "babel",
)


def test_import_contracts_hold() -> None:
    """The contracts in pyproject.toml (layers, acyclic siblings, engine knowledge) are kept."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT / "src", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_contracts_catch_an_upward_import(tmp_path: Path) -> None:
    """The layers contract is not vacuous: a data-layer module importing the analytics breaks it."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "cxlens", copy / "cxlens", ignore=shutil.ignore_patterns("__pycache__")
    )
    data = copy / "cxlens" / "data.py"
    data.write_text(
        data.read_text()
        + "\n\ndef _upward():\n    from cxlens.customers import rfm  # noqa: F401\n"
    )
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=copy, capture_output=True, text=True, check=False,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode != 0
    assert "cxlens.data -> cxlens.customers.rfm" in done.stdout


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stderr.splitlines()[-1].split() if out.stderr.strip() else []


def test_command_line_starts_without_the_analytics() -> None:
    """``cxlens --help`` builds every command's help without loading pandas, Ibis or the web stack."""
    code = (
        "from typer.main import get_command\n"
        "from cxlens.cli import app\n"
        "cmd = get_command(app)\n"
        "import click\n"
        "ctx = click.Context(cmd)\n"
        "cmd.get_help(ctx)\n"
        "for name in cmd.list_commands(ctx):\n"
        "    sub = cmd.get_command(ctx, name)\n"
        "    sub.get_help(click.Context(sub, info_name=name, parent=ctx))\n"
    )
    assert _loaded_after(code) == []


def test_python_api_is_lazy_but_complete() -> None:
    """``import cxlens`` is light; ``cxlens.open`` and ``cxlens.Workspace`` load on first use,
    and even then the engine and the importer wait until a table is read or written."""
    assert _loaded_after("import cxlens") == []
    code = (
        "import cxlens, sys\n"
        "assert callable(cxlens.open) and cxlens.Workspace.kpi\n"
        "assert 'cxlens.workspace' in sys.modules\n"
    )
    assert _loaded_after(code) == []


def test_version_answers_before_the_command_line_loads() -> None:
    """``cxlens --version`` prints the version without loading Typer, Rich or any command."""
    probe = (
        "import sys\nsys.argv = ['cxlens', '--version']\n"
        "from cxlens.__main__ import main\nmain()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click')"
        " or m.startswith('cxlens.cli')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    import cxlens

    assert out.stdout.splitlines() == [f"cxlens {cxlens.__version__}", "[]"]

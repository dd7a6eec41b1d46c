"""Analytic commands answer a repeated question from the result store, exactly as when computed.

Each command is run computed afresh (``CXLENS_NO_CACHE=1``), then twice with the
store: the second run must not compute (its analysis is made to fail) and must
print what the fresh run printed. New data in the warehouse makes the next run
compute again, on the new data.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from tests.test_layers import HEAVY

runner = CliRunner()

#: command -> the analysis it runs when it computes (module, function)
COMMANDS: dict[tuple[str, ...], tuple[str, str]] = {
    ("rfm",): ("cxlens.customers.rfm", "rfm"),
    ("cohorts",): ("cxlens.customers.cohorts", "cohort_retention"),
    ("cohorts", "--definition", "recurring", "--json"): (
        "cxlens.customers.cohorts",
        "cohort_retention",
    ),
    ("lifecycle",): ("cxlens.customers.cohorts", "lifecycle"),
    ("churn",): ("cxlens.customers.churn", "likely_churned"),
    ("clv",): ("cxlens.customers.value", "predict_clv"),
    ("clv", "--json"): ("cxlens.customers.value", "predict_clv"),
    ("clv", "--holdout", "6m", "--model", "pareto"): ("cxlens.customers.value", "predict_clv"),
    ("clv", "--holdout", "6m", "--json", "--lang", "de"): (
        "cxlens.customers.value",
        "predict_clv",
    ),
    ("journey-map",): ("cxlens.journeys.journey_map", "journey_map"),
    ("funnel", "website_visit", "product_page", "cart", "order"): (
        "cxlens.journeys.funnel",
        "funnel",
    ),
    ("paths", "--json"): ("cxlens.journeys.paths", "paths"),
    ("attribution", "--bootstrap", "50"): ("cxlens.journeys.attribution", "attribute"),
    ("drivers", "--bootstrap", "50"): ("cxlens.journeys.drivers", "drivers"),
}

NEW_ORDERS = (
    "order_id,customer_id,ts,amount,currency,channel\n"
    "XO1,C0000001,2026-09-29T10:00:00Z,1234.5,EUR,web\n"
    "XO2,C0000002,2026-09-29T11:00:00Z,987.25,EUR,web\n"
)


@pytest.fixture(scope="module")
def root(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo that these tests may change, with an empty result store."""
    copy = tmp_path_factory.mktemp("results-commands") / "ws"
    shutil.copytree(demo_root, copy, ignore=shutil.ignore_patterns("cache"))
    return copy


def run(root: Path, args: tuple[str, ...], fresh: bool = False) -> str:
    env = {"COLUMNS": "200", "CXLENS_NO_CACHE": "1" if fresh else "0"}
    result = runner.invoke(app, [*args, "-w", str(root)], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def same(a: str, b: str, as_json: bool) -> None:
    """Equal output; in JSON, floats equal to 6 digits. The engine adds amounts up in
    parallel, in any order, so two fresh runs differ in the last bits of a sum, and a
    model fitted on those sums (CLV) in the eighth; printed tables are equal."""
    if not as_json:
        assert a == b
        return
    assert _close(json.loads(a), json.loads(b))


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-6, nan_ok=True)
    return bool(a == b)


@pytest.mark.parametrize("args", list(COMMANDS), ids=" ".join)
def test_a_kept_answer_equals_a_fresh_one(
    root: Path, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = run(root, args, fresh=True)
    first = run(root, args)
    module, function = COMMANDS[args]

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError(f"{' '.join(args)} computed again instead of reading the store")

    monkeypatch.setattr(f"{module}.{function}", refuse)
    again = run(root, args)
    assert again == first
    same(again, fresh, "--json" in args)


def test_an_audience_is_kept_and_written_alike(root: Path, tmp_path: Path, monkeypatch) -> None:
    for hashed in ([], ["--hash"]):
        args = ("audience", "Champions", *hashed)
        run(root, (*args, "--out", str(tmp_path / "fresh.csv")), fresh=True)
        run(root, (*args, "--out", str(tmp_path / "first.csv")))
        with monkeypatch.context() as patch:
            patch.setattr("cxlens.customers.rfm.audience", None)  # calling it would fail
            shown = run(root, (*args, "--out", str(tmp_path / "again.csv")))
        fresh = (tmp_path / "fresh.csv").read_text()
        assert (tmp_path / "again.csv").read_text() == fresh
        assert str(tmp_path / "again.csv") in shown.replace("\n", "")
        if hashed:
            assert "@" not in fresh
        else:
            assert "@" in fresh


def test_new_data_is_answered_afresh(root: Path, tmp_path: Path) -> None:
    commands = [("clv", "--json"), ("cohorts", "--json"), ("rfm", "--json")]
    before = {args: run(root, args) for args in commands}
    csv = tmp_path / "orders.csv"
    csv.write_text(NEW_ORDERS)
    cxlens.open(root).import_file("orders", csv)
    for args in commands:
        after = run(root, args)
        assert after != before[args], f"{' '.join(args)} kept its answer after new orders"
        same(after, run(root, args, fresh=True), as_json=True)
    (tmp_path / "a.csv").unlink(missing_ok=True)
    run(root, ("audience", "Champions", "--out", str(tmp_path / "a.csv")))
    run(root, ("audience", "Champions", "--out", str(tmp_path / "b.csv")), fresh=True)
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ("cohorts",),
        ("clv",),
        ("audience", "Champions", "--out", "{tmp}/a.csv"),
        ("funnel", "website_visit", "product_page", "cart", "order"),
        ("paths",),
        ("attribution", "--bootstrap", "50"),
        ("drivers", "--bootstrap", "50"),
    ],
    ids=lambda a: a[0],
)
def test_a_kept_answer_loads_neither_the_engine_nor_the_statistics(
    root: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """Reading the store needs pandas only: Ibis, DuckDB and SciPy stay unloaded."""
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args] + ["-w", str(root)]
    run(root, tuple(argv[:-2]))  # fills the store
    probe = (
        "import sys\n"
        f"sys.argv = ['cxlens', *{argv!r}]\n"
        "from cxlens.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    loaded = done.stderr.splitlines()[-1].split()
    assert not {"ibis", "duckdb", "scipy"} & set(loaded), done.stderr

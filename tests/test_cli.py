"""The command line, end to end: through Typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from tests.conftest import CUSTOMERS_CSV

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def test_init_import_tables(tmp_path, write):
    ws = tmp_path / "ws"
    result = invoke("init", str(ws), "--currency", "eur", "--timezone", "Europe/Tallinn")
    assert result.exit_code == 0, result.output
    assert "Created workspace" in result.output
    toml = (ws / "cxlens.toml").read_text()
    assert 'currency = "EUR"' in toml and 'timezone = "Europe/Tallinn"' in toml
    assert "secret_key" in toml and oct((ws / "cxlens.toml").stat().st_mode)[-3:] == "600"

    result = invoke(
        "import", "customers", str(write("c.csv", CUSTOMERS_CSV)), "--workspace", str(ws)
    )
    assert result.exit_code == 0, result.output
    assert "customers: 3 added, 0 updated, 0 unchanged" in result.output

    result = invoke("tables", "--json", "-w", str(ws))
    data = {t["table"]: t for t in json.loads(result.output)}
    assert data["customers"]["rows"] == 3 and data["orders"]["rows"] == 0
    assert data["customers"]["first"].startswith("2025-01-02")


def test_workspace_from_environment(tmp_path, write):
    ws = tmp_path / "ws"
    invoke("init", str(ws))
    result = invoke("tables", env={"CXLENS_WORKSPACE": str(ws)})
    assert result.exit_code == 0 and "customers" in result.output


def test_rejected_import_exits_non_zero_with_the_problems(tmp_path, write):
    ws = tmp_path / "ws"
    invoke("init", str(ws))
    bad = write("o.csv", "order_id,customer_id,ts,amount\nO1,C1,2025-13-45,abc\n")
    result = invoke("import", "orders", str(bad), "-w", str(ws))
    assert result.exit_code == 1
    assert "rejected" in result.output and "row 1, column 'ts'" in result.output
    assert "Traceback" not in result.output


def test_map_rate_and_bad_options(tmp_path, write):
    ws = tmp_path / "ws"
    invoke("init", str(ws))
    path = write("o.csv", "id,customer,created_on,total,currency\nO1,C1,01.02.2025,10,USD\n")
    args = [
        "import",
        "orders",
        str(path),
        "-w",
        str(ws),
        "--map",
        "order_id=id",
        "--map",
        "customer_id=customer",
    ]
    args += ["--map", "ts=created_on", "--map", "amount=total", "--date-format", "%d.%m.%Y"]
    result = invoke(*args, "--rate", "USD=0.5", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 1
    result = invoke(*args, "--rate", "USD=zero")
    assert result.exit_code == 1 and "'zero' is not a number" in result.output
    result = invoke("import", "orders", str(path), "-w", str(ws), "--map", "nope")
    assert result.exit_code == 1 and "expected NAME=VALUE" in result.output


def test_not_a_workspace(tmp_path):
    result = invoke("tables", "-w", str(tmp_path))
    assert result.exit_code == 1
    assert "is not a cxlens workspace" in result.output and "cxlens init" in result.output


def test_init_refuses_to_overwrite(tmp_path):
    invoke("init", str(tmp_path / "ws"))
    result = invoke("init", str(tmp_path / "ws"))
    assert result.exit_code == 1 and "already exists" in result.output


def test_subprocess_help_and_import(tmp_path, write):
    ws = tmp_path / "ws"
    run = [sys.executable, "-m", "cxlens"]
    out = subprocess.run([*run, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("init", "import", "tables", "demo"):
        assert command in out
    version = subprocess.run([*run, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"cxlens {cxlens.__version__}"
    subprocess.run([*run, "init", str(ws)], capture_output=True, text=True, check=True)
    proc = subprocess.run(
        [*run, "import", "customer", str(write("c.csv", CUSTOMERS_CSV)), "-w", str(ws)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "Unknown table 'customer'" in proc.stderr and "Traceback" not in proc.stderr


def test_demo_then_tables_shows_six_populated_tables(tmp_path):
    ws = tmp_path / "demo"
    result = invoke("demo", str(ws), "--customers", "300", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert "Demo workspace ready" in result.output
    # the suggested commands name the workspace as it was typed
    assert f"cxlens tables --workspace {ws}" in result.output
    tables = {
        t["table"]: t["rows"] for t in json.loads(invoke("tables", "--json", "-w", str(ws)).output)
    }
    assert len(tables) == 6 and all(rows > 0 for rows in tables.values()), tables
    # its surveys ask about the demo's shop, not about a folder called "demo"
    import cxlens
    from cxlens.collect.service import Collector

    collector = Collector(cxlens.open(ws).config)
    question = collector.survey("nps-relational").questions[0]
    assert question.in_lang("text", "en", collector.company) == (
        "How likely are you to recommend Lumo Home to a friend or colleague?"
    )
    again = invoke("demo", str(ws), "--customers", "300")
    assert again.exit_code == 1 and "--force" in again.output
    assert invoke("demo", str(ws), "--customers", "300", "--seed", "5", "--force").exit_code == 0


def test_import_exports_without_a_table_names_the_preset(tmp_path):
    from tests.conftest import FIXTURES

    ws = tmp_path / "ws"
    invoke("init", str(ws))
    exports = FIXTURES / "exports"
    files = [exports / n for n in ("shopify_orders_export.csv", "zendesk_tickets_export.csv")]
    result = invoke("import", *map(str, files), "-w", str(ws))
    assert result.exit_code == 0, result.output
    assert "recognised as shopify-orders" in result.output
    assert "recognised as zendesk" in result.output
    assert "orders: 3 added, 0 updated, 0 unchanged" in result.output
    assert "2 new customer(s), 1 row(s) could not be matched (rows 6)" in result.output
    result = invoke("import", "--preset", "zendesk", str(files[1]), "--json", "-w", str(ws))
    data = json.loads(result.output)
    assert data[0]["preset"] == "zendesk" and not data[0]["recognised"]
    assert data[0]["identity"]["matched"] == 3
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("a,b\n1,2\n")
    result = invoke("import", str(unknown), "-w", str(ws))
    assert result.exit_code == 1 and "not an export cxlens knows" in result.output


def test_import_presets_lists_them_with_their_columns(tmp_path):
    ws = tmp_path / "ws"
    invoke("init", str(ws))
    result = invoke("import", "--presets", "--json", "-w", str(ws))
    assert result.exit_code == 0, result.output
    presets = {p["name"]: p for p in json.loads(result.output)}
    assert set(presets) >= {
        "shopify-orders", "shopify-customers", "ga4", "zendesk", "freshdesk",
        "google-ads", "meta-ads", "hubspot-contacts", "stripe-payments",
    }  # fmt: skip
    assert {"Name", "Total", "Refunded Amount", "Financial Status"} <= set(
        presets["shopify-orders"]["columns"]
    )
    assert presets["zendesk"]["tables"] == ["tickets", "responses"]


def _commands(group, path=()):
    """Every (path, click command) of the command line, groups included."""
    yield path, group
    for name, command in getattr(group, "commands", {}).items():
        yield from _commands(command, (*path, name))


def test_every_help_keeps_the_settings_it_names_in_brackets():
    """ "([sources.*] in cxlens.toml)" must not print as "( in cxlens.toml)"."""
    import re

    import typer

    seen = 0
    for path, command in _commands(typer.main.get_command(app)):
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        names = {n for t in texts for n in re.findall(r"\[+[a-z][\w.*]*\]+", t.replace("\\[", "["))}
        if not names:
            continue
        shown = " ".join(invoke(*path, "--help", env={"COLUMNS": "200"}).output.split())
        for name in names:
            assert name in shown, (path, name)
            seen += 1
    assert seen >= 8

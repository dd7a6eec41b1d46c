"""[sources.*] settings: mistakes named before any database is reached."""

from __future__ import annotations

import pytest

from cxlens.errors import CxlensError
from cxlens.warehouse.sources import parse_sources, plan_columns, redact


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"order": {"url": "postgres://x/db", "table": "t"}}, "'order' is not a canonical table"),
        ({"orders": {"table": "t"}}, "[sources.orders] needs url and table"),
        (
            {"orders": {"url": "postgres://x/db", "table": "t", "map": {"total": "gross"}}},
            "map names total, not columns of orders",
        ),
    ],
)
def test_mistakes_are_named(section, expected):
    with pytest.raises(CxlensError) as info:
        parse_sources(section)
    assert expected in str(info.value)


def test_columns_matched_by_map_then_by_name_and_the_rest_kept():
    source = parse_sources(
        {
            "orders": {
                "url": "postgres://x/db",
                "table": "shop.sales",
                "map": {"amount": "Total Gross"},
            }
        }
    )["orders"]
    assert source.location == ("shop", "sales")
    plan = plan_columns(source, ["order_id", "Customer_ID", "ts", "Total Gross", "Sales Rep"])
    assert plan.canonical["amount"] == "Total Gross"
    assert plan.canonical["customer_id"] == "Customer_ID"
    assert plan.canonical["currency"] is None
    assert plan.extras == {"sales_rep": "Sales Rep"}
    assert plan.missing_required(source.spec) == []


def test_passwords_never_reach_messages():
    assert (
        redact("postgres://reader:s3cret@db.internal/shop")
        == "postgres://reader:***@db.internal/shop"
    )


def test_check_without_sources_is_no_problem_and_json_stays_json(ws):
    import json

    from typer.testing import CliRunner

    from cxlens.cli import app

    done = CliRunner().invoke(app, ["check", "--json", "-w", str(ws.root)])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == []
    assert "No table is read from a database" in done.stderr
    plain = CliRunner().invoke(app, ["check", "-w", str(ws.root)])
    assert plain.exit_code == 0 and "imported files were checked" in plain.stderr

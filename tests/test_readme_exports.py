"""The README's walk-through: three vendor exports to KPIs and RFM with no mapping written."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from cxlens.cli import app
from tests.conftest import FIXTURES

runner = CliRunner()


def test_shopify_zendesk_and_german_google_ads_to_kpis(tmp_path, monkeypatch):
    exports = FIXTURES / "exports"
    for source, name in (
        ("shopify_orders_export.csv", "orders_export.csv"),
        ("zendesk_tickets_export.csv", "zendesk-tickets.csv"),
        ("google_ads_report_de.csv", "Kampagnenbericht.csv"),
    ):
        shutil.copy(exports / source, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init", "shop"]).exit_code == 0
    env = {"CXLENS_WORKSPACE": str(tmp_path / "shop"), "COLUMNS": "80"}
    files = ["orders_export.csv", "zendesk-tickets.csv", "Kampagnenbericht.csv"]
    out = runner.invoke(app, ["import", *files], env=env)
    assert out.exit_code == 0, out.output
    for preset in ("shopify-orders", "zendesk", "google-ads"):
        assert f"recognised as {preset}" in out.output
    out = runner.invoke(
        app, ["kpi", "nps", "csat", "cac", "conversion_rate", "--by", "channel"], env=env
    )
    assert out.exit_code == 0, out.output
    assert "1.59%" in out.output  # 15 conversions / 941 clicks
    assert "100.0%" in out.output and "0.00%" in out.output  # Good by mail, Bad by web form
    out = runner.invoke(app, ["kpi", "cac"], env=env)
    assert "€449.22" in out.output  # 1,347.66 / 3 new customers
    out = runner.invoke(app, ["rfm", "--as-of", "2025-03-31"], env=env)
    assert out.exit_code == 0, out.output
    assert "€93.80" in out.output and "€80.00" in out.output

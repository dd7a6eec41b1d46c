"""The README's five-minute path on a day after the demo's end: demo, invite, answer, sync,
kpi, report and the overview show no stub period and no arrow on a tiny sample."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app as cli_app
from cxlens.collect.service import Collector
from cxlens.i18n import format_date, format_period
from cxlens.periods import label, last_complete_period, local_today
from cxlens.web.app import create_app

PASSWORD = "correct horse battery"
TZ = "Europe/Tallinn"


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """A demo that ended twelve days ago, two answered invitations, synced."""
    root = tmp_path_factory.mktemp("walk") / "ws"
    end = local_today(TZ) - timedelta(days=12)
    runner = CliRunner()
    made = runner.invoke(
        cli_app, ["demo", str(root), "--customers", "2000", "--seed", "4", "--end", str(end)]
    )
    assert made.exit_code == 0, made.output
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text().replace(
            "[collection]\n", "[collection]\nschedule_minutes = 0\nrate_limit_per_minute = 0\n"
        )
    )
    ws = cxlens.open(root)
    collector = Collector(ws.config)
    collector.accounts.add_user("ann", PASSWORD, "viewer", "en")
    client = TestClient(create_app(root, schedule=False))
    for customer, score in (("C0000001", "2"), ("C0000002", "10")):
        link = runner.invoke(
            cli_app, ["survey", "invite", "nps-relational", "--customer", customer, "-w", str(root)]
        )
        path = "/s/" + link.output.strip().rsplit("/s/", 1)[1]
        form = client.get(path).text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        answered = client.post(path, data={**hidden, "q_nps": score, "lang": "en"})
        assert answered.status_code == 200 and "Thank" in answered.text
    synced = runner.invoke(cli_app, ["sync", "-w", str(root)])
    assert synced.exit_code == 0, synced.output
    return root, client, end


def test_kpi_marks_the_running_month_and_tests_no_tiny_sample(walked):
    root, _, _ = walked
    today = local_today(TZ)
    out = CliRunner().invoke(
        cli_app,
        ["kpi", "nps", "--period", "month", "--compare", "previous", "--json", "-w", str(root)],
    )
    rows = {r["period"]: r for r in json.loads(out.output)}
    running = rows[label(today, "month")]
    assert running["to_date"] and not running["complete"] and running["n"] >= 2
    assert not running["significant"] and running["test"] is None
    for row in rows.values():
        if row["significant"]:
            assert min(row["n"], row["previous_n"]) >= 30 and row["complete"], row
    # the first month of the history is whole: no stub at the start either
    first = min(rows)
    assert rows[first]["complete"], rows[first]


def test_overview_headline_is_a_complete_covered_month_with_enough_answers(walked):
    _, client, end = walked
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf": csrf})
    html = client.get("/dashboard?period=month").text
    today = local_today(TZ)
    # the month the demo ended in is only partly covered by orders and spend: the headline is
    # the last month the data covers to its end, never the running one
    start, last = last_complete_period("month", end + timedelta(days=1))
    heading = html.split("</h1>")[0]
    assert f"{format_date(start, 'en')} – {format_date(last, 'en')}" in heading
    assert "data-later" in html and "to date" in html  # the running month, said as such
    assert format_period(label(today, "month"), "month", "en") in html  # "December 2026"
    if label(end, "month") != label(today, "month"):
        # the month the data ended in, passed over, is named with where its answers went
        ended = format_period(label(end, "month"), "month", "en")
        assert f"{ended} is not shown: the data ends on {format_date(end, 'en')}" in html
        assert html.count("data-later") == 2
    definition = client.get("/metrics/nps").text  # a tile's name links to how it is computed
    assert "Tango&#39;s score interval for the trinomial" in definition
    assert "two-sample z test on ±1/0 scores" in definition
    tiles = re.findall(r'<article class="tile".*?</article>', html, re.S)
    assert len(tiles) == 8
    for t in tiles:
        n = int(re.search(r"n = ([\d,]+)", t).group(1).replace(",", ""))
        if "▲" in t or "▼" in t:
            assert n >= 30, t
        assert "(not significant" in t or "▲" in t or "▼" in t or "not tested" in t, t


def test_report_picks_a_complete_quarter(walked):
    root, _, end = walked
    out = root.parent / "report.html"
    made = CliRunner().invoke(cli_app, ["report", "--out", str(out), "-w", str(root)])
    assert made.exit_code == 0, made.output
    html = out.read_text()
    meta = html.split('class="meta"')[1].split("</div>")[0]
    start, _ = last_complete_period("quarter", end + timedelta(days=1))
    assert format_period(label(start, "quarter"), "quarter", "en") in meta  # "Q3 2026"

"""The customer commands print readable results in every language and agree with the API."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.customers.rfm import rfm

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "lang, title", [("en", "RFM segments"), ("hr", "RFM segmenti"), ("bg", "RFM сегменти")]
)
def test_rfm_command(demo_root, lang, title):
    out = run("rfm", "-w", str(demo_root), "--lang", lang)
    assert title in out


def test_rfm_cut_offs_read_unambiguously_with_a_decimal_comma(demo_root):
    out = " ".join(run("rfm", "-w", str(demo_root), "--lang", "de").split())
    line = out[out.index("Grenzen der Punktwerte") :]
    recency = line[line.index("R: ") + 3 : line.index(";")]
    days = recency.split(" / ")
    assert len(days) == 4 and all(re.fullmatch(r"\d+(,\d)?", d) for d in days), recency
    assert ", " not in line[: line.index("M: ")]


def test_rfm_json_and_file_agree_with_the_api(demo_root, tmp_path):
    data = json.loads(
        run(
            "rfm",
            "-w",
            str(demo_root),
            "--json",
            "--compare",
            "2026-01-01",
            "--out",
            str(tmp_path / "rfm.parquet"),
        )
    )
    frame = rfm(cxlens.open(demo_root)).execute()
    sizes = frame["segment"].value_counts().to_dict()
    assert {s["segment"]: s["customers"] for s in data["segments"]} == sizes
    assert sum(sum(row.values()) for row in data["migration"]["counts"].values()) == len(frame)
    written = pd.read_parquet(tmp_path / "rfm.parquet")
    assert written["segment"].tolist() == frame["segment"].tolist()


def test_audience_command(rfm_root, tmp_path):
    out = tmp_path / "lost.csv"
    text = run("audience", "Lost", "--out", str(out), "--as-of", "2025-06-30", "-w", str(rfm_root))
    assert "1" in text and out.read_text().splitlines() == ["customer_id,email", "D,d@example.com"]
    run(
        "audience",
        "lost",
        "--hash",
        "--out",
        str(out),
        "--as-of",
        "2025-06-30",
        "-w",
        str(rfm_root),
    )
    digest = hashlib.sha256(b"d@example.com").hexdigest()
    assert out.read_text().splitlines()[1] == f"D,{digest}"
    bad = runner.invoke(app, ["audience", "VIP", "--out", str(out), "-w", str(rfm_root)])
    assert bad.exit_code == 1 and "Unknown segment 'VIP'" in bad.output


def test_cohorts_and_lifecycle_commands(cohort_root, demo_root):
    heat = json.loads(run("cohorts", "-w", str(cohort_root), "--json", "--periods", "3"))
    assert heat["cohorts"] == ["2025-01", "2025-02"] and heat["values"][0] == [1.0, 0.5, 0.5, 0.5]
    assert "Kohorte" in run("cohorts", "-w", str(demo_root), "--lang", "de", "--period", "quarter")
    life = json.loads(run("lifecycle", "-w", str(cohort_root), "--json"))
    assert [r["dormant"] for r in life] == [0, 1, 1, 2]
    assert "Uudet" in run("lifecycle", "-w", str(demo_root), "--lang", "fi")


def test_churn_and_clv_commands(demo_root):
    out = run("churn", "-w", str(demo_root), "--lang", "et", "--periods", "3")
    assert "Tõenäoliselt kaotatud" in out and "Lepingute lahkumine" in out
    data = json.loads(run("churn", "-w", str(demo_root), "--json", "--periods", "2"))
    assert len(data["likely_churned"]) == 2 and data["contracts"]
    out = run("clv", "-w", str(demo_root), "--holdout", "6m", "--lang", "de")
    assert "Kundenwert der nächsten 12 Monate" in out and "BG/NBD" in out
    assert "Log-Likelihood (BG/NBD)" in out and "Log-Likelihood (Gamma-Gamma)" in out
    assert "angepasst an alle Daten bis" in out and "Kalibrierungszeitraum bis" in out
    held = json.loads(run("clv", "-w", str(demo_root), "--json", "--holdout", "6m"))
    full = {p["parameter"]: p["estimate"] for p in held["parameters"]}
    calibrated = {p["parameter"]: p["estimate"] for p in held["calibration"]["parameters"]}
    assert list(calibrated) == ["r", "alpha", "a", "b"]
    assert calibrated != {k: full[k] for k in calibrated}  # the calibration fit, not the full one
    assert held["calibration"]["end"] < held["as_of"]
    assert held["calibration"]["log_likelihood"] < 0 and held["log_likelihood"]["purchases"] < 0
    data = json.loads(
        run("clv", "-w", str(demo_root), "--json", "--model", "pareto", "--horizon", "2y")
    )
    assert data["horizon_months"] == 24 and data["totals"]["clv_total"] > 0
    assert [p["parameter"] for p in data["parameters"]] == [
        "r",
        "alpha",
        "s",
        "beta",
        "p",
        "q",
        "gamma",
    ]


def test_errors_are_messages(demo_root, tmp_path):
    bad = runner.invoke(app, ["clv", "-w", str(demo_root), "--model", "magic"])
    assert bad.exit_code == 1 and "use bgnbd or pareto" in bad.output
    bad = runner.invoke(app, ["rfm", "-w", str(demo_root), "--out", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 1 and ".csv, .parquet or .jsonl" in bad.output
    bad = runner.invoke(app, ["rfm", "-w", str(demo_root), "--as-of", "31.12.2025"])
    assert bad.exit_code == 1 and "2026-06-30" in bad.output


def test_python_api(demo_root):
    ws = cxlens.open(demo_root)
    assert len(ws.rfm()) == len(ws.clv())
    assert ws.segments()["customers"].sum() == len(ws.rfm())
    assert ws.cohorts(period="quarter").iloc[0, 0] == 1.0


def test_kpi_by_segment_names_segments_in_the_language(rfm_root):
    out = run("kpi", "nps", "--by", "segment", "--lang", "de", "-w", str(rfm_root))
    assert "Champions" in out and "Treue Kunden" in out and "loyal_customers" not in out

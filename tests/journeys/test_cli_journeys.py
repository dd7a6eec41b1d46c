"""Journey commands print readable results in every language and JSON that agrees with the API."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cxlens.cli import app

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", "Customer journey map"),
        ("et", "Kliendi teekonna kaart"),
        ("fi", "Asiakaspolun kartta"),
    ],
)
def test_journey_map_command(demo_root, lang, words):
    assert words in run("journey-map", "-w", str(demo_root), "--lang", lang)


def test_journey_map_json(map_root):
    rows = json.loads(run("journey-map", "-w", str(map_root), "--json"))
    ad = next(r for r in rows if r["touchpoint"] == "ad")
    assert ad["customers"] == 2 and ad["moved_on"] == 0.5


def test_funnel_command(funnel_root, demo_root):
    data = json.loads(
        run("funnel", "A", "B", "C", "-w", str(funnel_root), "--json", "--order", "strict")
    )
    assert [r["customers"] for r in data["rows"]] == [4, 2, 1]
    out = run(
        "funnel",
        "website_visit",
        "cart",
        "order",
        "-w",
        str(demo_root),
        "--lang",
        "hr",
        "--by",
        "country",
    )
    assert "Lijevak: koraci ovim redom (dopušteno vrijeme: 2 tjedna)" in out
    assert "Država = Njemačka" in out and "Narudžba" in out  # the country and the step named
    bad = runner.invoke(app, ["funnel", "A", "-w", str(funnel_root)])
    assert bad.exit_code == 1 and "at least two steps" in bad.output


def test_paths_command(paths_root, demo_root):
    data = json.loads(run("paths", "-w", str(paths_root), "--json"))
    assert data["paths"][0] == {"sequence": "a → b", "steps": 2, "sessions": 2, "share": 2 / 3}
    assert {"id": "1:a", "step": 1, "touchpoint": "a", "sessions": 2} in data["nodes"]
    assert "Häufigste Pfade" in run(
        "paths", "-w", str(demo_root), "--lang", "de", "--end", "checkout"
    )


def test_attribution_command(attribution_root, demo_root):
    data = json.loads(run("attribution", "-w", str(attribution_root), "--json"))
    markov = {r["channel"]: r for r in data["rows"] if r["model"] == "markov"}
    assert markov["B"]["removal_effect"] == pytest.approx(1.0)
    assert data["null_paths"] == 2 and data["conversions"] == 3
    out = run("attribution", "-w", str(demo_root), "--lang", "bg", "--model", "last,markov")
    assert "Приписване (Канал)" in out and "Верига на Марков" in out and "Първи контакт" not in out
    assert "Търсене" in out  # the search channel by its name


def test_drivers_command(demo_root):
    out = run("drivers", "-w", str(demo_root), "--lang", "de", "--bootstrap", "5")
    assert "Was den NPS treibt" in out and "CSAT:" in out and "Liefer" in out and "Shapley" in out
    data = json.loads(
        run("drivers", "-w", str(demo_root), "--json", "--bootstrap", "5", "--by", "touchpoint")
    )
    assert data["method"].startswith("Shapley") and {d["kind"] for d in data["drivers"]} <= {
        "touchpoint",
        "tickets",
    }
    bad = runner.invoke(app, ["drivers", "-w", str(demo_root), "--target", "csat"])
    assert bad.exit_code == 1 and "nps, repurchase or revenue" in bad.output

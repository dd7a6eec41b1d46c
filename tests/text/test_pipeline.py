"""Analysing a workspace: stored columns, incremental runs, honest accuracy, sync, the CLI."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.i18n import DEFAULT_LABELS
from cxlens.text.evaluation import cross_validate
from cxlens.text.pipeline import MODEL_FILE, analyse, classify_new

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("textws") / "ws"
    assert (
        runner.invoke(
            app, ["demo", str(root), "--customers", "500", "--seed", "2", "--end", "2026-09-30"]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["text", "analyse", "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert "near-duplicates kept in one fold" in result.output
    return root


def test_analyse_stores_columns_that_kpi_can_break_down(demo_root):
    ws = cxlens.open(demo_root)
    columns = set(ws.table("responses").columns)
    assert {
        "comment_language",
        "sentiment",
        "sentiment_score",
        "theme",
        "theme_sentiment",
    } <= columns
    by_sentiment = ws.kpi("nps", by="sentiment").set_index("sentiment")
    assert by_sentiment.loc["positive", "value"] > by_sentiment.loc["negative", "value"]
    r = ws.table("responses").execute().dropna(subset=["theme_sentiment"])
    moods = [json.loads(v) for v in r["theme_sentiment"]]
    assert all(set(m.values()) <= {"negative", "neutral", "positive"} for m in moods)
    assert (r["theme"] == [next(iter(m)) for m in moods]).all()
    assert any(
        len(set(m.values())) > 1 for m in moods
    )  # some comments praise one theme and not another


def test_text_commands_show_sentiment_per_theme_and_the_honest_accuracy(demo_root):
    themes = runner.invoke(app, ["text", "themes", "--json", "-w", str(demo_root)])
    assert themes.exit_code == 0, themes.output
    rows = json.loads(themes.output)
    delivery = next(r for r in rows if r["theme"] == "delivery")
    assert 0 <= delivery["negative"] <= 1 and -1 <= delivery["net_sentiment"] <= 1
    table = runner.invoke(app, ["text", "themes", "-w", str(demo_root)])
    assert table.exit_code == 0 and "NPS impact" in table.output and "net" in table.output
    sentiment = runner.invoke(app, ["text", "sentiment", "--json", "-w", str(demo_root)])
    data = json.loads(sentiment.output)
    cv = data["cross_validation"]
    assert cv["verdict"] == "judged" and cv["distinct"] <= cv["comments"]
    acc = cv["accuracy"]
    assert acc["low"] <= acc["rate"] <= acc["high"] and acc["low"] >= 0 and acc["high"] <= 1
    assert {"cv_accuracy", "judged"} <= set(data["languages"][0])
    suggestion = runner.invoke(app, ["text", "themes", "--suggest", "-w", str(demo_root)])
    assert suggestion.exit_code == 0 and "match no theme" in suggestion.output


def test_a_second_run_reads_only_new_or_changed_comments(demo_root, tmp_path):
    ws = cxlens.open(demo_root)
    again = analyse(ws)
    assert again["analysed"] == 0 and not again["trained"] and not again["rethemed"]
    r = ws.table("responses").execute()
    first = r.dropna(subset=["comment"]).iloc[0]
    changed = pd.DataFrame(
        {"response_id": [first.response_id], "comment": ["The courier never came. Awful."]}
    )
    ws.update_rows("responses", changed)
    new = pd.DataFrame(
        {
            "response_id": ["R-new-1"],
            "customer_id": [first.customer_id],
            "ts": [first.ts],
            "kind": ["nps"],
            "score": [1.0],
            "comment": ["Das Paket kam nie an und niemand antwortet."],
        }
    )
    ws.append_rows("responses", new)
    assert classify_new(cxlens.open(demo_root)) == 2
    r = cxlens.open(demo_root).table("responses").execute().set_index("response_id")
    assert (
        r.loc["R-new-1", "sentiment"] == "negative" and r.loc["R-new-1", "comment_language"] == "de"
    )
    assert r.loc[first.response_id, "sentiment"] == "negative"
    assert json.loads(r.loc["R-new-1", "theme_sentiment"]) == {
        "delivery": "negative",
        "support": "negative",
    }


def test_an_edited_taxonomy_finds_themes_again(demo_root):
    toml = demo_root / "cxlens.toml"
    before = toml.read_text()
    try:
        seeded = runner.invoke(app, ["text", "themes", "--seed", "-w", str(demo_root)])
        assert seeded.exit_code == 0 and "Added 7 themes" in seeded.output
        assert "[text.themes.delivery]" in toml.read_text() and before.strip() in toml.read_text()
        # the same keywords: nothing to do again
        assert analyse(cxlens.open(demo_root))["rethemed"] is False
        toml.write_text(toml.read_text() + '\n[text.themes.packaging]\nen = ["packag", "box"]\n')
        result = analyse(cxlens.open(demo_root))
        assert result["rethemed"] and result["analysed"] == 0
    finally:
        toml.write_text(before)
        analyse(cxlens.open(demo_root))


def test_too_few_distinct_comments_are_said_plainly():
    texts = ["Great, thanks!", "Terrible service", "It was ok"] * 40
    labels = ["positive", "negative", "neutral"] * 40
    summary = cross_validate(texts, labels, ["en"] * 120)
    assert summary["verdict"] == "too few distinct comments"
    assert "3 groups of near-identical comments among 120" in summary["message"]


def test_sync_gives_new_comments_their_sentiment(tmp_path):
    from cxlens.collect.service import Collector
    from cxlens.collect.sync import sync
    from cxlens.text.sentiment import SentimentModel
    from tests.collect.conftest import make_ws

    root = make_ws(tmp_path / "ws")
    ws = cxlens.open(root)
    c = Collector(ws.config)
    inv = c.invite("nps", "C1", "en")
    row, survey = c.resolve(inv.token)
    c.submit(survey, row, {"nps": 10}, "Brilliant service, thank you!", "en")
    assert sync(ws, c).comments_analysed == 0  # no model yet: `text analyse` comes first
    SentimentModel().fit([], [], []).save(root / MODEL_FILE)
    inv = c.invite("nps", "C2", "en")
    row, survey = c.resolve(inv.token)
    c.submit(survey, row, {"nps": 0}, "The parcel never arrived and support is useless.", "en")
    report = sync(cxlens.open(root), c)
    assert report.comments_analysed == 2 and report.text_problem is None
    r = cxlens.open(root).table("responses").execute().set_index("customer_id")
    assert r.loc["C2", "sentiment"] == "negative" and r.loc["C1", "sentiment"] == "positive"


def test_a_local_transformer_model_can_score_comments(tmp_path, monkeypatch):
    """The adapter reads the model's labels and scores; transformers itself is stood in for."""
    import sys
    import types

    from cxlens.errors import CxlensError
    from cxlens.text.transformer import TransformerSentiment, label_polarity

    assert [label_polarity(n, i, 5) for i, n in enumerate(["1 star", "2 stars", "3 stars", "4 stars", "5 stars"])] == [
        "negative", "negative", "neutral", "positive", "positive",
    ]  # fmt: skip
    assert (
        label_polarity("LABEL_1", 1, 3) == "neutral"
        and label_polarity("Positive", 0, 0) == "positive"
    )
    with pytest.raises(CxlensError, match="does not say"):
        label_polarity("LABEL_4", 4, 7)

    class FakePipe:
        model = types.SimpleNamespace(
            config=types.SimpleNamespace(id2label={0: "NEG", 1: "NEU", 2: "POS"})
        )

        def __call__(self, texts):
            out = []
            for t in texts:
                p = 0.8 if "good" in t else 0.1
                out.append(
                    [
                        {"label": "POS", "score": p},
                        {"label": "NEG", "score": 0.9 - p},
                        {"label": "NEU", "score": 0.1},
                    ]
                )
            return out

    calls = {}

    def pipeline(task, **kwargs):
        calls.update(kwargs, task=task)
        return FakePipe()

    monkeypatch.setitem(sys.modules, "transformers", types.SimpleNamespace(pipeline=pipeline))
    (tmp_path / "model").mkdir()
    model = TransformerSentiment(tmp_path / "model")
    labels, scores = model.predict(["really good", "bad", None, "  "])
    assert labels == ["positive", "negative", None, None]
    assert scores[0] == pytest.approx(0.7) and scores[1] == pytest.approx(-0.7)
    assert (
        calls["model_kwargs"] == {"local_files_only": True}
        and calls["task"] == "text-classification"
    )
    with pytest.raises(CxlensError, match="no model folder"):
        TransformerSentiment(tmp_path / "missing")


def test_analyse_uses_the_configured_local_model(tmp_path, monkeypatch):
    import sys
    import types

    import cxlens
    from cxlens.text.pipeline import analyse

    class Pipe:
        model = types.SimpleNamespace(
            config=types.SimpleNamespace(id2label={0: "negative", 1: "positive"})
        )

        def __call__(self, texts):
            return [
                [
                    {"label": "positive", "score": 0.9 if "great" in t else 0.2},
                    {"label": "negative", "score": 0.1 if "great" in t else 0.8},
                ]
                for t in texts
            ]

    monkeypatch.setitem(
        sys.modules, "transformers", types.SimpleNamespace(pipeline=lambda task, **kw: Pipe())
    )
    root = tmp_path / "ws"
    cxlens.init(root)
    (root / "model").mkdir()
    toml = root / "cxlens.toml"
    toml.write_text(toml.read_text() + '\n[text]\nsentiment_model = "model"\n')
    rows = ["response_id,ts,kind,score,comment"] + [
        f"R{i},2025-01-0{1 + i % 9},nps,{10 if i % 2 else 2},{'great service' if i % 2 else 'slow and rude staff'}"
        for i in range(40)
    ]
    (root / "responses.csv").write_text("\n".join(rows) + "\n")
    ws = cxlens.open(root)
    ws.import_file("responses", root / "responses.csv")
    result = analyse(ws)
    assert result["model"] == "model" and result["accuracy"]["en"]["accuracy"] == 1.0
    r = cxlens.open(root).table("responses").execute().set_index("response_id")
    assert r.loc["R1", "sentiment"] == "positive" and r.loc["R0", "sentiment"] == "negative"
    assert not (root / "models" / "sentiment.joblib").exists()


def test_feedback_page_shows_sentiment_per_theme(demo_root):
    from fastapi.testclient import TestClient

    from cxlens.collect.service import Collector
    from cxlens.web.app import create_app
    from tests.collect.test_dashboard import PASSWORD, login

    toml = demo_root / "cxlens.toml"
    before = toml.read_text()
    toml.write_text(
        before.replace(
            "[collection]\n", "[collection]\nschedule_minutes = 0\nrate_limit_per_minute = 0\n"
        )
    )
    try:
        Collector(cxlens.open(demo_root).config).accounts.add_user(
            "textviewer", PASSWORD, "viewer", "de"
        )
        with TestClient(create_app(demo_root, schedule=False)) as client:
            login(client, "textviewer")
            page = client.get("/dashboard/feedback").text
    finally:
        toml.write_text(before)
    assert "Themen in Kommentaren" in page and "Einfluss auf NPS" in page
    delivery = DEFAULT_LABELS.name("theme", "delivery", "de")  # themes and moods by name
    assert re.search(rf"<td>{delivery}</td><td class=\"num\">[\d.]+</td>", page)
    assert re.search(
        r'<span class="theme-(negative|neutral|positive)">[^<(]+ \((Negativ|Neutral|Positiv)\)</span>',
        page,
    )


def test_folds_learnt_in_parallel_give_the_serial_figures(monkeypatch):
    """Big folds learn in separate processes; each fold is learnt alone, so nothing changes."""
    from cxlens.text import evaluation

    frames = [
        pd.read_csv(
            f"tests/fixtures/text/dev2/{lang}.tsv",
            sep="\t",
            names=["sentiment", "theme", "text"],
            quoting=3,
            dtype=str,
            keep_default_na=False,
        ).assign(lang=lang)
        for lang in ("en", "de")
    ]
    data = pd.concat(frames, ignore_index=True)
    args = (data.text.tolist(), data.sentiment.tolist(), data.lang.tolist(), 3)
    monkeypatch.setattr(evaluation, "PARALLEL_FROM", 10**9)
    serial = cross_validate(*args)
    monkeypatch.setattr(evaluation, "PARALLEL_FROM", 1)
    monkeypatch.setattr(evaluation.os, "cpu_count", lambda: 2)
    parallel = cross_validate(*args)
    assert serial["verdict"] == "judged" and serial["comments"] == len(data)
    # the same predictions; the probabilities may differ in the last digits (another
    # process may use another number of BLAS threads)
    for key in ("accuracy", "negative_recall", "per_language", "distinct", "temperature"):
        assert parallel[key] == serial[key], key
    for key in ("calibration_error_before", "calibration_error_after"):
        assert parallel[key] == pytest.approx(serial[key], abs=1e-3)

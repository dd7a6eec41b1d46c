"""Text analytics: language detection, sentiment on hand-written comments, themes, robustness."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.config import LANGUAGES
from cxlens.demo import generate
from cxlens.text import SentimentModel, detect_languages, label_from_score
from cxlens.text.sentiment import evaluate
from cxlens.text.themes import ThemeSet, c_tf_idf, theme_report
from tests.conftest import FIXTURES

runner = CliRunner()


def hand_written() -> pd.DataFrame:
    frames = []
    for lang in LANGUAGES:
        f = pd.read_csv(
            FIXTURES / "text" / f"eval_{lang}.tsv", sep="\t", names=["sentiment", "text"], quoting=3
        )
        frames.append(f.assign(lang=lang))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> SentimentModel:
    out = tmp_path_factory.mktemp("textdemo")
    paths = generate(out, customers=6000, seed=11)
    r = pq.read_table(paths["responses"]).to_pandas().dropna(subset=["comment"])
    labels = [label_from_score(k, s) for k, s in zip(r.kind, r.score, strict=True)]
    return SentimentModel().fit(r.comment.tolist(), labels)


def test_hand_written_set_has_fifty_comments_per_language():
    frame = hand_written()
    assert frame.groupby("lang").size().to_dict() == dict.fromkeys(LANGUAGES, 50)
    assert set(frame.sentiment) == {"negative", "neutral", "positive"}


def test_language_detection_on_hand_written_comments():
    frame = hand_written()
    detected = detect_languages(frame.text.tolist())
    accuracy = (pd.Series(detected) == frame.lang).mean()
    assert accuracy >= 0.95


def test_sentiment_accuracy_per_language_on_held_out_comments(model, capsys):
    result = evaluate(model, hand_written()).set_index("lang")
    with capsys.disabled():
        print("\nsentiment accuracy on hand-written comments (goal 80 %):")
        for lang, row in result.iterrows():
            print(f"  {lang}: {100 * row.accuracy:.0f} % of {int(row.comments)}")
    assert (result.accuracy >= 0.8).all()


def test_labels_from_scores():
    assert [label_from_score("nps", s) for s in (0, 6, 7, 8, 9, 10)] == ["negative"] * 2 + [
        "neutral"
    ] * 2 + ["positive"] * 2
    assert [label_from_score("csat", s) for s in (2, 3, 4)] == ["negative", "neutral", "positive"]
    assert [label_from_score("ces", s) for s in (3, 4, 5)] == ["negative", "neutral", "positive"]
    assert label_from_score("text", 5) is None and label_from_score("nps", math.nan) is None


def test_awkward_comments_do_not_break_anything(model):
    awkward = [
        "",
        None,
        "😀😀😀",
        "x" * 100_000,
        "Super service but dostava je kasnila",
        "<script>alert(1)</script> bad",
        "   ",
    ]
    labels, scores = model.predict(awkward)
    assert labels[0] is None and labels[1] is None and labels[6] is None
    assert all(lab in (None, "negative", "neutral", "positive") for lab in labels)
    assert len(scores) == len(awkward)
    assert detect_languages(awkward)[:3] == [None, None, None]


def test_theme_keywords_and_user_themes():
    themes = ThemeSet.from_config(
        {"themes": {"packaging": {"en": ["packag", "box"], "de": ["verpackung"]}}}
    )
    assert set(themes.find("the delivery was late and the box was crushed", "en")) == {
        "delivery",
        "packaging",
    }
    assert set(themes.find("die verpackung war kaputt", "de")) == {"packaging", "quality"}
    assert themes.find("pakk jõudis kiiresti, aitäh", "et") == ["delivery"]
    assert themes.find("", "en") == []


def test_c_tf_idf_by_hand():
    # class a: "fast fast courier", class b: "rude courier". courier is in both, so it scores lower.
    top = c_tf_idf({"a": ["fast fast courier"], "b": ["rude courier"]}, "en", top=2)
    assert top["a"][0] == "fast" and top["b"][0] == "rude"


def test_nps_impact_by_hand():
    frame = pd.DataFrame(
        {
            "comment": ["slow delivery"] * 4 + ["fine"] * 4,
            "comment_language": ["en"] * 8,
            "kind": ["nps"] * 8,
            "score": [0, 2, 9, 10, 10, 9, 9, 8],
            "themes": [["delivery"]] * 4 + [[]] * 4,
        }
    )
    row = theme_report(frame).iloc[0]
    # mentioning: 2 promoters, 2 detractors of 4 -> NPS 0; the rest: 3 promoters of 4 -> 75; impact -75
    assert (
        row["theme"] == "delivery"
        and row["nps_mentioning"] == 0
        and row["nps_impact"] == pytest.approx(-75)
    )
    assert row["impact_low"] < -75 < row["impact_high"]


def test_analyse_stores_columns_that_kpi_can_break_down(tmp_path):
    root = tmp_path / "ws"
    assert (
        runner.invoke(app, ["demo", str(root), "--customers", "800", "--seed", "2"]).exit_code == 0
    )
    result = runner.invoke(app, ["text", "analyse", "-w", str(root)])
    assert result.exit_code == 0, result.output
    ws = cxlens.open(root)
    assert {"comment_language", "sentiment", "sentiment_score", "theme"} <= set(
        ws.table("responses").columns
    )
    by_sentiment = ws.kpi("nps", by="sentiment").set_index("sentiment")
    assert by_sentiment.loc["positive", "value"] > by_sentiment.loc["negative", "value"]
    themes = runner.invoke(app, ["text", "themes", "--json", "-w", str(root)])
    assert themes.exit_code == 0 and "delivery" in themes.output
    sentiment = runner.invoke(app, ["text", "sentiment", "--json", "-w", str(root)])
    assert sentiment.exit_code == 0 and '"cv_accuracy"' in sentiment.output


def test_not_analysed_yet(tmp_path):
    root = tmp_path / "ws"
    runner.invoke(app, ["demo", str(root), "--customers", "50"])
    result = runner.invoke(app, ["text", "themes", "-w", str(root)])
    assert result.exit_code == 1 and "cxlens text analyse" in result.output


def test_discovered_themes_separate_topics():
    from cxlens.text.themes import discover

    rng = __import__("numpy").random.default_rng(4)
    delivery = ["courier", "parcel", "late", "delivery", "arrived", "driver", "tracking", "box"]
    price = ["price", "expensive", "discount", "cheap", "money", "offer", "coupon", "cost"]
    texts, truth = [], []
    for i in range(300):
        pool = delivery if i % 2 else price
        texts.append(" ".join(rng.choice(pool, 5)))
        truth.append(i % 2)
    texts.append("🙂")  # nothing to cluster on
    names, top = discover(texts, "en", k=2)
    assert names[-1] == "" and len(top) == 2
    by_name: dict[str, list[int]] = {}
    for name, t in zip(names[:-1], truth, strict=True):
        by_name.setdefault(name, []).append(t)
    purity = sum(max(v.count(0), v.count(1)) for v in by_name.values()) / len(truth)
    assert purity > 0.95
    labels = " ".join(top)
    assert any(w in labels for w in delivery) and any(w in labels for w in price)


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

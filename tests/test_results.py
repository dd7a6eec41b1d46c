"""The result store: computed once, reused while nothing behind it changes, never trusted blindly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import pytest

from cxlens.results import MAX_ENTRIES, ResultStore
from tests.conftest import CUSTOMERS_CSV


@dataclass(frozen=True)
class Report:
    table: pd.DataFrame
    as_of: date
    cutoffs: dict[str, list[float]]
    total: float


def counting(calls: list[int], value: object):
    def compute():
        calls.append(1)
        return value

    return compute


def test_computed_once_and_rebuilt_alike(ws, write):
    ws.import_file("customers", write("c.csv", CUSTOMERS_CSV))
    calls: list[int] = []
    table = pd.DataFrame({"segment": ["Champions", "Lost"], "n": [3, 1]}).set_index("segment")
    report = Report(table, date(2026, 6, 30), {"recency": [1.5, 2.0]}, 4.0)
    first = ResultStore(ws).remember("demo", [1, None], Report, counting(calls, report))
    again = ResultStore(ws).remember("demo", [1, None], Report, counting(calls, report))
    assert len(calls) == 1
    assert again.as_of == date(2026, 6, 30) and again.cutoffs == {"recency": [1.5, 2.0]}
    pd.testing.assert_frame_equal(again.table, first.table)
    frame = pd.DataFrame({"ts": [datetime(2026, 1, 1, 12)], "v": [1.0]})
    got = ResultStore(ws).remember("frame", {}, pd.DataFrame, counting(calls, frame))
    got = ResultStore(ws).remember("frame", {}, pd.DataFrame, counting(calls, frame))
    pd.testing.assert_frame_equal(got, frame)
    assert len(calls) == 2


def test_new_data_settings_or_question_compute_again(ws, write, monkeypatch):
    ws.import_file("customers", write("c.csv", CUSTOMERS_CSV))
    calls: list[int] = []
    frame = pd.DataFrame({"x": [1]})
    store = ResultStore(ws)

    def ask(params: object = "q") -> None:
        store.remember("q", params, pd.DataFrame, counting(calls, frame))

    ask()
    ask()
    assert len(calls) == 1
    ask("another question")
    assert len(calls) == 2
    ws.import_file(
        "orders", write("o.csv", "order_id,customer_id,ts,amount\nO1,C1,2025-03-01,10\n")
    )
    ask()
    assert len(calls) == 3
    config = ws.root / "cxlens.toml"
    config.write_text(config.read_text() + '\n[journeys]\nlookback = "7d"\n')
    ask()
    assert len(calls) == 4
    monkeypatch.setenv("CXLENS_NO_CACHE", "1")
    ResultStore(ws).remember("q", "q", pd.DataFrame, counting(calls, frame))
    assert len(calls) == 5


def test_a_damaged_entry_is_computed_again_and_the_folder_stays_small(ws, monkeypatch):
    calls: list[int] = []
    frame = pd.DataFrame({"x": [1, 2]})
    store = ResultStore(ws)
    store.remember("q", 1, pd.DataFrame, counting(calls, frame))
    for parquet in store.folder.glob("*.parquet"):
        parquet.write_bytes(b"not parquet")
    assert store.remember("q", 1, pd.DataFrame, counting(calls, frame))["x"].tolist() == [1, 2]
    assert len(calls) == 2
    monkeypatch.setattr("cxlens.results.MAX_ENTRIES", 3)
    for i in range(6):
        store.remember("many", i, pd.DataFrame, counting(calls, frame))
    assert len(list(store.folder.glob("*.json"))) == 3
    assert MAX_ENTRIES >= 100


def test_a_result_that_cannot_be_stored_is_still_returned(ws):
    odd = pd.DataFrame({"mixed": [1, "a", 2.5]})  # Parquet refuses a column of mixed types
    store = ResultStore(ws)
    got = store.remember("odd", 1, pd.DataFrame, lambda: odd)
    assert got["mixed"].tolist() == [1, "a", 2.5]
    assert not list(store.folder.glob("*.json"))
    assert not list(store.folder.glob(".tmp-*"))


@pytest.mark.parametrize("kind", [list, dict])
def test_only_frames_and_plain_values_are_kept(ws, kind):
    """Lists and mappings are kept as JSON (no pickles) and come back equal."""
    store = ResultStore(ws)
    value = kind()
    got = store.get("plain", 1, lambda: {"v": value, "n": 3})
    assert got == {"v": value, "n": 3}
    assert store.get("plain", 1, lambda: {"v": None}) == {"v": value, "n": 3}

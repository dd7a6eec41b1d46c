"""CSAT and CES groups are worth what the simulated customers were made to buy, like NPS groups."""

from __future__ import annotations

import re

import pytest

import cxlens
from cxlens.value.report import value_report
from tests.customers.conftest import make_workspace
from tests.value.conftest import AS_OF, TRUE_RATIO, simulated_tables

#: NPS score of the simulation -> the same group's score on the CSAT (1-5) and CES (1-7) scales
SCALES = {
    "csat": {9: 5, 10: 4, 7: 3, 8: 3, **{s: 1 + s % 2 for s in range(7)}},
    "ces": {9: 7, 10: 5, 7: 4, 8: 4, **{s: 1 + s % 3 for s in range(7)}},
}
GROUPS = {"csat": ("satisfied", "neutral", "dissatisfied"), "ces": ("easy", "neutral", "difficult")}


@pytest.fixture(scope="module", params=["csat", "ces"])
def kind_report(request, tmp_path_factory):
    kind = request.param
    tables = simulated_tables()
    lines = tables["responses"].splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        rid, cid, ts, _, score, tp = line.split(",")
        out.append(",".join([rid, cid, ts, kind, str(SCALES[kind][int(score)]), tp]))
    tables["responses"] = "\n".join(out) + "\n"
    root = make_workspace(tmp_path_factory.mktemp(kind) / "ws", tables)
    return kind, value_report(cxlens.open(root), kind, follow_up_days=90, as_of=AS_OF)


def test_best_group_buys_one_and_a_half_times_as_often_as_the_worst_like_them(kind_report):
    kind, report = kind_report
    best, middle, worst = GROUPS[kind]
    assert list(report.groups.group) == [best, middle, worst]
    assert report.groups.customers.sum() == 4000
    c = report.comparisons
    row = c[(c.better == best) & (c.worse == worst) & (c.outcome == "orders_after")].iloc[0]
    assert row.ratio_low <= TRUE_RATIO <= row.ratio_high and row.significant
    for outcome in ("bought_again", "orders_after", "revenue_after", "p_alive", "clv"):
        g = report.groups
        assert ((g[f"{outcome}_low"] <= g[outcome]) & (g[outcome] <= g[f"{outcome}_high"])).all()
    assert re.fullmatch(r"[a-z]+", report.kind) and report.kind == kind

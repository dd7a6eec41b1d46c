"""What a promoter is worth, on simulated data whose true effect is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import cxlens
from cxlens.value.answers import answer_base
from cxlens.value.report import value_report
from tests.value.conftest import AS_OF, TRUE_RATIO


@pytest.fixture(scope="module")
def report(simulated_root):
    return value_report(cxlens.open(simulated_root), "nps", follow_up_days=90, as_of=AS_OF)


def comparison(report, outcome, better="promoter", worse="detractor"):
    c = report.comparisons
    return c[(c.better == better) & (c.worse == worse) & (c.outcome == outcome)].iloc[0]


def test_promoters_buy_one_and_a_half_times_as_often_within_strata(report):
    row = comparison(report, "orders_after")
    assert row.ratio_low <= TRUE_RATIO <= row.ratio_high
    assert row.ratio_low > 1 and row.significant
    # the raw comparison mixes loyalty in: loyal customers are mostly promoters
    groups = report.groups.set_index("group")
    raw_ratio = groups.loc["promoter", "orders_after"] / groups.loc["detractor", "orders_after"]
    assert raw_ratio > 2.2 > row.ratio_high
    # promoters against passives: 1.5 / 1.2
    passive = comparison(report, "orders_after", "promoter", "passive")
    assert passive.ratio_low <= 1.25 <= passive.ratio_high


def test_answer_base_by_hand(simulated_root):
    frame = answer_base(cxlens.open(simulated_root), "nps", 90, AS_OF).table.execute()
    assert len(frame) == 4000
    # every answer falls between 2025-03-01 and 2025-04-30, at least 90 days before the end
    assert frame.answered_at.max() < pd.Timestamp("2025-06-03", tz="UTC")
    loyal = frame[frame.segment != "(no orders)"]
    assert set(frame.tenure_band) <= {"3_to_12_months", "1_to_2_years"}
    assert loyal.bought_again.isin([0.0, 1.0]).all()
    assert (frame.bought_again == (frame.orders_after > 0)).all()


def test_groups_have_intervals_that_hold_their_point(report):
    groups = report.groups
    assert list(groups.group) == ["promoter", "passive", "detractor"]
    assert groups.customers.sum() == report.respondents == 4000
    for outcome in ("bought_again", "orders_after", "revenue_after", "p_alive", "clv"):
        low, value, high = groups[f"{outcome}_low"], groups[outcome], groups[f"{outcome}_high"]
        assert ((low <= value) & (value <= high)).all(), outcome
        assert (low >= 0).all(), outcome
    assert (groups.bought_again_high <= 1).all() and (groups.p_alive_high <= 1).all()
    for _, row in report.comparisons.iterrows():
        if not math.isnan(row.ratio):
            assert row.ratio_low <= row.ratio <= row.ratio_high
        assert row.difference_low <= row.difference <= row.difference_high


def test_revenue_at_risk(report, simulated_root):
    customers = report.risk_customers
    # detractors (answers in the year up to the end) and the two open cases per 40 customers
    detractors = customers[customers.worst == 1]
    assert len(detractors) == int(report.groups.set_index("group").loc["detractor", "customers"])
    open_cases = customers[customers.open_cases > 0]
    assert len(open_cases) == 200 and (open_cases.customer_id.str[1:].astype(int) % 40 < 2).all()
    # overdue: open more than three days (the one opened on 2025-07-11), not the one of 2025-07-29
    overdue = customers[customers.overdue_cases > 0]
    assert len(overdue) == 100 and set(overdue.customer_id.str[1:].astype(int) % 40) == {0}
    # detractors first, each part by CLV, highest first
    worst_first = customers.worst.to_numpy()
    assert (np.diff(worst_first) <= 0).all()
    for _, part in customers.groupby("worst"):
        assert (np.diff(part.clv.to_numpy()) <= 1e-9).all()
    summary = report.risk_summary.set_index("part")
    assert summary.loc["all", "clv"] == pytest.approx(customers.clv.sum())
    assert summary.loc["worst", "clv"] == pytest.approx(detractors.clv.sum())
    # the simulated histories know no dropout process: the BG/NBD fit runs off towards
    # a, b -> inf, so the models cannot say how sure they are of a total
    assert not report.clv_converged and summary.clv_high.isna().all()
    for dim, table in report.risk_breakdowns.groupby("dimension"):
        assert table.clv.sum() == pytest.approx(customers.clv.sum()), dim
        assert table.customers.sum() == len(customers), dim
    assert set(report.risk_breakdowns.dimension) == {"segment", "touchpoint", "country"}
    assert customers.email.notna().all()  # everyone consented


def test_clv_intervals_from_the_parameters_match_a_parametric_bootstrap(demo_root):
    """The delta method's spread of a CLV total agrees with re-drawing the fitted parameters."""
    from cxlens.clv import BGNBDModel, GammaGammaModel
    from cxlens.customers.value import predict_clv
    from cxlens.value.clv_uncertainty import clv_sensitivity

    result = predict_clv(cxlens.open(demo_root))
    assert result.purchase_model.converged_ and result.spend_model.converged_
    top = result.customers.clv.to_numpy() >= np.quantile(result.customers.clv, 0.8)
    sensitivity = clv_sensitivity(result, top)
    interval = sensitivity.total(np.ones(int(top.sum()), dtype=bool))
    assert interval.low < interval.value < interval.high
    delta_sd = np.sqrt(sensitivity.parameter_variance(np.ones(int(top.sum()))))
    rng = np.random.default_rng(0)
    c = result.customers[top]
    x, tx, age, m = (c[k].to_numpy(float) for k in ("frequency", "recency", "T", "monetary_value"))
    from cxlens.clv import customer_lifetime_value, expected_monthly_purchases
    from cxlens.customers.value import monthly_rate

    rate = monthly_rate(0.1)

    def clv(purchase, spend) -> np.ndarray:
        return customer_lifetime_value(
            purchase, spend, x, tx, age, m, time_unit="W", horizon_months=12,
            monthly_discount_rate=rate)  # fmt: skip

    # A CLV is the expected spend per purchase times the discounted expected purchases, so
    # while only the spend model's parameters are re-drawn the purchases are worked out once
    discounted = expected_monthly_purchases(
        result.purchase_model, x, tx, age, time_unit="W", horizon_months=12
    ) @ (1.0 + rate) ** -np.arange(1.0, 13.0)
    np.testing.assert_allclose(
        result.spend_model.conditional_expected_spend(x, m) * discounted,
        clv(result.purchase_model, result.spend_model),
        rtol=1e-12,
    )
    totals = []
    for model, n_draws in ((result.purchase_model, 150), (result.spend_model, 150)):
        p = model.params_.to_numpy()
        cov = model.covariance_.to_numpy()
        for draw in rng.multivariate_normal(p, cov, n_draws):
            if (draw <= 0).any():
                continue
            params = dict(zip(model.param_names, draw, strict=True))
            if model is result.purchase_model:
                total = float(clv(BGNBDModel.from_params(**params), result.spend_model).sum())
            else:
                spend = GammaGammaModel.from_params(**params).conditional_expected_spend(x, m)
                total = float((spend * discounted).sum())
            totals.append((model is result.spend_model, total))
    by_model = pd.DataFrame(totals, columns=["spend", "total"]).groupby("spend").total.var()
    # the two fits are independent: their variances add up
    assert np.sqrt(by_model.sum()) == pytest.approx(delta_sd, rel=0.25)

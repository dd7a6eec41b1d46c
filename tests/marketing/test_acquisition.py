"""Acquisition cohorts: CAC, cumulative revenue, payback and LTV:CAC worked by hand and simulated."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import gammaincinv

import cxlens
from cxlens.marketing.acquisition import acquisition
from cxlens.stats.returns import cost_per_count, positive_ratio
from tests.customers.conftest import make_workspace

PER_MONTH = 400


@pytest.fixture(scope="module")
def cohort_root(tmp_path_factory):
    """400 search customers acquired in January and 400 in February 2025 (10,000 of spend each
    month), each buying for 10 in the month of acquisition and the two after; 50 direct ones."""
    customers = ["customer_id,created_at,acquisition_channel"]
    orders = ["order_id,customer_id,ts,amount"]
    for month in (1, 2):
        for i in range(PER_MONTH):
            cid = f"S{month}{i:04d}"
            day = 1 + i % 27
            customers.append(f"{cid},2025-{month:02d}-{day:02d} 09:00,search")
            for k in range(3):
                orders.append(f"O{cid}{k},{cid},2025-{month + k:02d}-{day:02d} 12:00,10")
    for i in range(50):
        customers.append(f"D{i:03d},2025-01-10,direct")
        orders.append(f"OD{i},D{i:03d},2025-01-11,15")
    orders.append("OLAST,D000,2025-04-30 12:00,15")
    marketing = "date,channel,spend\n2025-01-15,search,10000\n2025-02-15,search,10000\n"
    return make_workspace(
        tmp_path_factory.mktemp("acq") / "ws",
        {
            "customers": "\n".join(customers) + "\n",
            "orders": "\n".join(orders) + "\n",
            "marketing": marketing,
        },
    )


@pytest.fixture(scope="module")
def result(cohort_root):
    return acquisition(cxlens.open(cohort_root), "channel", horizon_months=3)


def test_cac_is_spend_over_the_customers_of_the_same_months(result):
    search = result.summary.set_index("key").loc["search"]
    assert search.customers == 2 * PER_MONTH and search.spend == 20_000
    assert search.cac == pytest.approx(25.0)
    # Garwood: the count's exact Poisson bounds, spend held fixed
    assert search.cac_low == pytest.approx(20_000 / gammaincinv(801, 0.975))
    assert search.cac_high == pytest.approx(20_000 / gammaincinv(800, 0.025))
    direct = result.summary.set_index("key").loc["direct"]
    assert direct.customers == 50 and math.isnan(direct.cac) and math.isnan(direct.payback_month)


def test_garwood_interval_by_the_published_table():
    # Garwood (1936): for 10 events the 95 % limits of the mean are 4.795 and 18.39
    interval = cost_per_count(1000.0, 10)
    assert interval.value == 100.0
    assert interval.low == pytest.approx(1000 / 18.39, rel=1e-3)
    assert interval.high == pytest.approx(1000 / 4.795, rel=1e-3)
    assert math.isnan(cost_per_count(1000.0, 0).value)


def test_cumulative_revenue_by_month_since_acquisition(result):
    curve = result.curves[result.curves.key == "search"].set_index("month")
    # months 0-2 hold both cohorts; month 3 (April) only January's, which bought nothing more
    assert list(curve.index) == [0, 1, 2, 3]
    assert list(curve.revenue_per_customer) == pytest.approx([10, 20, 30, 30])
    assert list(curve.customers) == [800, 800, 800, 400]
    assert curve.loc[3, "cohorts"] == 1 and curve.loc[3, "spend"] == 10_000
    # return on CAC at month 1: 800 x 20 / 20,000, SE(log) = sqrt(800 x 20^2) / 16,000
    se = math.sqrt(800 * 400) / 16_000
    assert curve.loc[1, "return_on_cac"] == pytest.approx(0.8)
    assert curve.loc[1, "return_on_cac_high"] == pytest.approx(0.8 * math.exp(1.959964 * se))
    every = result.curves
    assert (every.revenue_per_customer_low <= every.revenue_per_customer).all()
    assert (every.revenue_per_customer <= every.revenue_per_customer_high).all()


def test_payback_and_historical_ltv_cac(result, cohort_root):
    search = result.summary.set_index("key").loc["search"]
    # month 1 returns 0.8 (interval below 1); month 2 returns 1.2 and its interval clears 1
    assert (search.payback_month, search.payback_month_low, search.payback_month_high) == (2, 2, 2)
    assert search.ltv_cac_historical == pytest.approx(1.2) and search.ltv_cac_age == 3
    half = acquisition(cxlens.open(cohort_root), "channel", 3, margin=0.5)
    s = half.summary.set_index("key").loc["search"]
    # at a 50 % margin the months observed return at most 0.6 of the CAC: no payback yet
    assert math.isnan(s.payback_month) and s.payback_beyond == 3
    assert s.ltv_cac_historical == pytest.approx(0.6)


def test_predicted_ltv_adds_what_the_rest_of_the_horizon_should_bring(result):
    search = result.summary.set_index("key").loc["search"]
    # January's customers have lived their three months (30 each); February's have about
    # half a month left, which the purchase model fills with a little more
    assert 30 < search.ltv_per_customer < 40
    assert search.ltv_cac_predicted == pytest.approx(search.clv_roas)  # margin 1
    assert search.ltv_cac_predicted_low < search.ltv_cac_predicted < search.ltv_cac_predicted_high


def test_a_channels_true_cac_is_recovered_within_its_interval(tmp_path):
    """Spend varies day by day; each day brings Poisson(spend / 40) customers."""
    rng = np.random.default_rng(4)
    customers = ["customer_id,created_at,acquisition_channel"]
    orders = ["order_id,customer_id,ts,amount"]
    marketing = ["date,channel,spend"]
    k = 0
    for d in range(120):
        day = np.datetime64("2025-01-01") + d
        spend = float(rng.uniform(200, 1800))
        marketing.append(f"{day},social,{spend:.2f}")
        for _ in range(rng.poisson(spend / 40.0)):
            k += 1
            customers.append(f"C{k},{day} 10:00,social")
            orders.append(f"O{k},C{k},{day} 11:00,{rng.gamma(3, 20):.2f}")
    orders.append(f"O{k + 1},C1,2025-04-30 12:00,5")
    root = make_workspace(tmp_path / "ws", {
        "customers": "\n".join(customers) + "\n", "orders": "\n".join(orders) + "\n",
        "marketing": "\n".join(marketing) + "\n",
    })  # fmt: skip
    social = acquisition(cxlens.open(root), "channel").summary.set_index("key").loc["social"]
    assert social.cac_low <= 40.0 <= social.cac_high
    assert social.cac_high / social.cac_low < 1.15  # some 3,000 customers: a narrow interval


def test_cac_intervals_cover_the_truth_in_95_percent_of_simulations():
    rng = np.random.default_rng(8)
    hits = 0
    for _ in range(2000):
        spend = 5000.0
        count = rng.poisson(spend / 50.0)
        interval = cost_per_count(spend, count)
        hits += interval.low <= 50.0 <= interval.high
    assert 0.94 <= hits / 2000 <= 0.975


def test_return_ratio_interval_by_hand():
    interval = positive_ratio(1600.0, 32_000.0, 2000.0)
    se = math.sqrt(32_000.0) / 1600.0
    assert interval.value == 0.8
    assert interval.low == pytest.approx(0.8 * math.exp(-1.959964 * se))
    assert math.isnan(positive_ratio(10.0, 100.0, 0.0).value)

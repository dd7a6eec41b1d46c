"""Key drivers in money on simulated customers whose cost of a poor delivery is known."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

import cxlens
from cxlens.value.money import QUARTER_DAYS, money_drivers
from tests.customers.conftest import make_workspace

N = 3000
AS_OF = "2025-12-31"
#: each point of delivery CSAT adds this much to the chance of buying in the next 90 days
TRUE_SLOPE = 0.08
AMOUNT = 50.0


def simulated(seed: int = 4) -> tuple[dict[str, str], np.ndarray]:
    """Every customer answers a delivery CSAT (30 % poor: 1-3) and, a day earlier, a support CSAT
    that does not matter; the chance to buy (one order of 50) in the 90 days after the delivery
    answer is 0.1 + 0.08 × the delivery score."""
    rng = np.random.default_rng(seed)
    end = datetime(2025, 12, 31) - timedelta(days=90)
    customers = ["customer_id,created_at,country"]
    orders = ["order_id,customer_id,ts,amount"]
    responses = ["response_id,customer_id,ts,kind,score,touchpoint"]
    delivery = np.where(rng.random(N) < 0.3, rng.integers(1, 4, N), rng.integers(4, 6, N))
    for i in range(N):
        cid = f"M{i:05d}"
        created = datetime(2023, 1, 1) + timedelta(days=float(rng.uniform(0, 300)))
        customers.append(f"{cid},{created:%Y-%m-%d},{'EE' if i % 2 else 'FI'}")
        orders.append(f"A{i},{cid},{created + timedelta(days=1):%Y-%m-%d %H:%M},30")
        at = end - timedelta(days=float(rng.uniform(5, 360)))
        responses.append(
            f"S{i},{cid},{at - timedelta(days=1):%Y-%m-%d %H:%M},csat,{rng.integers(1, 6)},support"
        )
        responses.append(f"D{i},{cid},{at:%Y-%m-%d %H:%M},csat,{delivery[i]},delivery")
        if rng.random() < 0.1 + TRUE_SLOPE * delivery[i]:
            when = at + timedelta(days=float(rng.uniform(1, 89)))
            orders.append(f"B{i},{cid},{when:%Y-%m-%d %H:%M},{AMOUNT}")
    orders.append(f"Z,M00000,{AS_OF} 12:00,1")
    tables = {
        "customers": "\n".join(customers) + "\n",
        "orders": "\n".join(orders) + "\n",
        "responses": "\n".join(responses) + "\n",
    }
    return tables, delivery


@pytest.fixture(scope="module")
def simulated_root(tmp_path_factory):
    tables, delivery = simulated()
    return make_workspace(tmp_path_factory.mktemp("money") / "ws", tables), delivery


def true_quarterly_loss(delivery: np.ndarray, window_days: int = 365) -> float:
    """Σ over the poorly served of slope × (the others' mean score − theirs), scaled to a quarter."""
    poor = delivery <= 3
    level = delivery[~poor].mean()
    return float(TRUE_SLOPE * (level - delivery[poor]).sum() * QUARTER_DAYS / window_days)


@pytest.mark.parametrize("target", ["repurchase", "revenue"])
def test_the_cost_of_poor_deliveries_is_recovered_within_its_interval(simulated_root, target):
    root, delivery = simulated_root
    report = money_drivers(cxlens.open(root), target, 90, 365, as_of=AS_OF, bootstrap=60)
    assert report.customers == N
    table = report.table.set_index("driver")
    row = table[table.touchpoint == "delivery"].iloc[0]
    truth = true_quarterly_loss(delivery) * (1 if target == "repurchase" else AMOUNT)
    assert row.poor_customers == int((delivery <= 3).sum())
    assert row.loss_per_quarter_low <= truth <= row.loss_per_quarter_high, (truth, row)
    assert row.loss_per_quarter_low > 0 and row.significant and row["sign"] == "+"
    # in money: a repurchase is worth the follow-up revenue per repurchasing customer (50)
    assert report.revenue_per_repurchase == pytest.approx(AMOUNT)
    money = true_quarterly_loss(delivery) * AMOUNT
    assert row.revenue_loss_per_quarter_low <= money <= row.revenue_loss_per_quarter_high
    # the support answer does not matter: its loss interval holds 0, and delivery leads
    support = table[table.touchpoint == "support"].iloc[0]
    assert support.loss_per_quarter_low <= 0 <= support.loss_per_quarter_high
    assert table.importance.idxmax() == row.name
    # shares of R² in percent: inside 0…100 and around their point
    t = report.table
    assert ((t.importance_low >= 0) & (t.importance_low <= t.importance)).all()
    assert ((t.importance <= t.importance_high) & (t.importance_high <= 100)).all()

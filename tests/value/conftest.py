"""A simulated workspace where promoters buy 1.5 times as often as detractors like them."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.customers.conftest import make_workspace

#: promoters buy this many times as often after answering as detractors in the same stratum
TRUE_RATIO = 1.5
AS_OF = "2025-07-31"


def simulated_tables(n: int = 4000, seed: int = 1) -> dict[str, str]:
    """Loyal customers (six orders before answering) buy four times as much afterwards as
    occasional ones (one order) and are far more often promoters, so the raw comparison of
    promoters and detractors mixes loyalty with the answer; within a stratum, promoters
    order ``TRUE_RATIO`` times as often in the 90 days after the answer (Poisson). Some
    customers (10 % of the loyal, 40 % of the occasional, in every group alike) stopped
    buying early and buy nothing more, which leaves the ratio at ``TRUE_RATIO``."""
    rng = np.random.default_rng(seed)
    t0 = datetime(2024, 1, 1)
    customers = ["customer_id,created_at,country,email,consent"]
    orders = ["order_id,customer_id,ts,amount"]
    responses = ["response_id,customer_id,ts,kind,score,touchpoint"]
    tickets = ["ticket_id,customer_id,opened_at,resolved_at"]
    k = 0
    for i in range(n):
        cid = f"K{i:05d}"
        loyal = rng.random() < 0.5
        created = t0 + timedelta(days=float(rng.uniform(0, 300)))
        answered = datetime(2025, 3, 1) + timedelta(days=float(rng.uniform(0, 60)))
        u = rng.random()
        if loyal:
            group = "promoter" if u < 0.7 else "detractor" if u < 0.8 else "passive"
        else:
            group = "promoter" if u < 0.2 else "detractor" if u < 0.7 else "passive"
        score = {"promoter": rng.choice([9, 10]), "passive": rng.choice([7, 8]),
                 "detractor": rng.integers(0, 7)}[group]  # fmt: skip
        country = "EE" if i % 2 else "FI"
        customers.append(f"{cid},{created:%Y-%m-%d %H:%M},{country},{cid.lower()}@example.com,yes")
        before = 6 if loyal else 1
        # some customers stopped buying long before they answered (more of the occasional)
        dead = rng.random() < (0.1 if loyal else 0.4)
        span = (answered - created).total_seconds() * (0.4 if dead else 1.0)
        for j in range(before):
            at = created + timedelta(seconds=float(span * (j + rng.random()) / before))
            k += 1
            orders.append(f"O{k},{cid},{at:%Y-%m-%d %H:%M},{rng.gamma(4, 10):.2f}")
        rate = (2.0 if loyal else 0.5) * (
            TRUE_RATIO if group == "promoter" else 1.2 if group == "passive" else 1.0
        )
        for _ in range(0 if dead else rng.poisson(rate)):
            at = answered + timedelta(days=float(rng.uniform(0.5, 89.5)))
            k += 1
            orders.append(f"O{k},{cid},{at:%Y-%m-%d %H:%M},{rng.gamma(4, 10):.2f}")
        responses.append(f"R{i},{cid},{answered:%Y-%m-%d %H:%M},nps,{score},relationship")
        if i % 40 == 0:  # an open case opened 20 days before the end, one resolved
            tickets.append(f"T{i},{cid},2025-07-11,")
        if i % 40 == 1:
            tickets.append(f"T{i},{cid},2025-07-29 12:00,")
        if i % 40 == 2:
            tickets.append(f"T{i},{cid},2025-07-01,2025-07-02")
    # one order on the last day, so the as-of date is the data's last order day
    orders.append(f"O{k + 1},K00000,{AS_OF} 12:00,10")
    return {
        "customers": "\n".join(customers) + "\n",
        "orders": "\n".join(orders) + "\n",
        "responses": "\n".join(responses) + "\n",
        "tickets": "\n".join(tickets) + "\n",
    }


@pytest.fixture(scope="session")
def simulated_root(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("value") / "ws", simulated_tables())

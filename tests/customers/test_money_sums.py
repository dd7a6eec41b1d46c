"""Sums of money do not depend on the order an engine adds them in."""

from __future__ import annotations

import ibis
import pandas as pd

from cxlens.customers.base import money_sum


def test_a_sum_of_money_is_the_same_in_any_order():
    amounts = [0.1, 0.2, 0.3]
    # as floats, the order shows in the last bit: (0.1 + 0.2) + 0.3 is 0.6000000000000001,
    # (0.3 + 0.2) + 0.1 is 0.6
    forwards, backwards = sum(amounts), sum(reversed(amounts))
    assert forwards != backwards
    con = ibis.duckdb.connect()
    sums = []
    for order in (amounts, amounts[::-1]):
        t = ibis.memtable(pd.DataFrame({"amount": order}))
        sums.append(float(con.execute(money_sum(t.amount))))
    assert sums[0] == sums[1] == 0.6

"""Small workspaces whose funnels, paths, attribution and journey map are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.customers.conftest import make_workspace

# Funnel A -> B -> C, window 14 days (see test_funnel.py for the expected counts)
FUNNEL_EVENTS = """event_id,customer_id,ts,touchpoint
F1a,F1,2025-01-01 10:00,A
F1b,F1,2025-01-01 11:00,B
F1c,F1,2025-01-02 10:00,C
F2a,F2,2025-01-01 10:00,A
F2x,F2,2025-01-01 10:30,X
F2b,F2,2025-01-01 11:00,B
F2c,F2,2025-01-20 10:00,C
F3b,F3,2025-01-01 09:00,B
F3a,F3,2025-01-01 10:00,A
F3c,F3,2025-01-01 12:00,C
F4a,F4,2025-01-01 10:00,A
F4b,F4,2025-01-15 10:00,B
F4c,F4,2025-01-15 10:00:01,C
F5b,F5,2025-01-03 10:00,B
"""

# Attribution: P converts after A and B, Q after B, R never, S's touch is too old
ATTRIBUTION_EVENTS = """event_id,customer_id,ts,touchpoint,channel
P1,P,2025-03-01 00:00,ad,A
P2,P,2025-03-08 00:00,ad,B
Q1,Q,2025-03-05 00:00,ad,B
R1,R,2025-03-02 00:00,ad,A
S1,S,2025-01-01 00:00,ad,C
"""
ATTRIBUTION_ORDERS = """order_id,customer_id,ts,amount
OP,P,2025-03-08 00:00,100
OQ,Q,2025-03-06 00:00,50
OS,S,2025-03-01 00:00,20
"""

# Paths: two sessions for U (2 h apart), one for V
PATH_EVENTS = """event_id,customer_id,ts,touchpoint
U1,U,2025-05-01 10:00,a
U2,U,2025-05-01 10:05,a
U3,U,2025-05-01 10:10,b
U4,U,2025-05-01 12:30,c
U5,U,2025-05-01 12:35,d
V1,V,2025-05-02 10:00,a
V2,V,2025-05-02 10:01,b
"""

# Journey map: X goes through three stages a day apart, Y stops after awareness
MAP_EVENTS = """event_id,customer_id,ts,touchpoint,stage
X1,X,2025-06-01 00:00,ad,awareness
X2,X,2025-06-02 00:00,web,consideration
X3,X,2025-06-03 00:00,checkout,purchase
Y1,Y,2025-06-01 00:00,ad,awareness
"""
MAP_RESPONSES = """response_id,customer_id,ts,kind,score,touchpoint
M1,X,2025-06-02 01:00,csat,5,web
M2,Y,2025-06-02 01:00,csat,4,web
M3,X,2025-06-02 02:00,csat,2,web
M4,X,2025-06-05 00:00,csat,3,delivery
"""


@pytest.fixture(scope="session")
def funnel_root(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("funnel") / "ws", {"events": FUNNEL_EVENTS})


@pytest.fixture(scope="session")
def attribution_root(tmp_path_factory) -> Path:
    return make_workspace(
        tmp_path_factory.mktemp("attribution") / "ws",
        {"events": ATTRIBUTION_EVENTS, "orders": ATTRIBUTION_ORDERS},
    )


@pytest.fixture(scope="session")
def paths_root(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("paths") / "ws", {"events": PATH_EVENTS})


@pytest.fixture(scope="session")
def map_root(tmp_path_factory) -> Path:
    return make_workspace(
        tmp_path_factory.mktemp("map") / "ws", {"events": MAP_EVENTS, "responses": MAP_RESPONSES}
    )

"""The dashboard's parameters are checked and its compute queue is fair between viewers."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from cxlens.i18n import DEFAULT_LABELS
from cxlens.web.app import create_app
from cxlens.web.compute import Busy, FairGate, ResultCache
from cxlens.web.dashboard import MAX_STEPS
from tests.collect.test_dashboard import demo, login  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def viewer(demo):  # noqa: F811
    client = TestClient(create_app(demo, schedule=False, warm=False))
    login(client, "viewer")
    return client


@pytest.mark.parametrize(
    "query, problem",
    [
        ("to=abc", "to must be a date like 2026-06-30, got 'abc'"),
        ("to=2026-02-30", "to must be a date like 2026-06-30, got '2026-02-30'"),
        ("from=yesterday", "from must be a date"),
    ],
)
def test_bad_dates_on_the_trends_page_are_a_clear_422(viewer, query, problem):
    r = viewer.get(f"/dashboard/trends?{query}")
    assert r.status_code == 422
    assert problem in r.text.replace("&#39;", "'") and "Traceback" not in r.text


def test_the_funnel_steps_are_bounded_and_must_exist(viewer):
    too_many = " ".join(["cart"] * (MAX_STEPS + 1))
    r = viewer.get("/dashboard/journeys", params={"steps": too_many})
    assert r.status_code == 422 and f"najviše {MAX_STEPS} koraka" in r.text  # the viewer's hr
    r = viewer.get("/dashboard/journeys", params={"steps": "cart x" + "y" * 5000})
    assert r.status_code == 422 and "nijedan događaj nema dodirnu točku" in r.text
    assert len(r.text) < 20_000  # the unknown name is shortened in the message
    r = viewer.get("/dashboard/journeys", params={"steps": "website_visit cart order"})
    assert r.status_code == 200 and DEFAULT_LABELS.name("touchpoint", "cart", "hr") in r.text


def test_one_viewer_cannot_queue_endless_computations():
    gate = FairGate(per_viewer=2)
    order: list[str] = []
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        with gate.turn("mallory"):
            started.set()
            release.wait(5)
            order.append("mallory-1")

    def work(viewer: str, label: str) -> None:
        with gate.turn(viewer):
            order.append(label)

    first = threading.Thread(target=hold)
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=work, args=("mallory", "mallory-2"))
    second.start()
    time.sleep(0.05)
    with pytest.raises(Busy), gate.turn("mallory"):  # a third one is refused at once
        pass
    others = [threading.Thread(target=work, args=(v, v)) for v in ("ann", "bob")]
    for t in others:
        t.start()
        time.sleep(0.05)
    release.set()
    for t in [first, second, *others]:
        t.join(5)
    # ann waited behind mallory's second request in line, yet went first: turns go round
    assert order[0] == "mallory-1" and order.index("ann") < order.index("mallory-2")
    assert order.index("bob") < order.index("mallory-2")


def test_a_result_that_needs_another_does_not_wait_for_itself():
    cache = ResultCache(per_viewer=1)
    inner = lambda: cache.get(("inner",), lambda: 2, "ann")  # noqa: E731
    assert cache.get(("outer",), lambda: inner() + 1, "ann") == 3
    assert cache.get(("outer",), lambda: 0, "bob") == 3  # cached

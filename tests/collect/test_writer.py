"""Group commit: writes that arrive together share one transaction; errors stay with their write."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

import cxlens
from cxlens.collect import db
from cxlens.collect.security import ordered_id
from cxlens.collect.service import Collector, LinkError
from cxlens.errors import CxlensError


def collector_of(root: Path) -> Collector:
    return Collector(cxlens.open(root).config)


def count(c: Collector, table: sa.Table) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


class Held:
    """Holds the store's write lock, so writes queue up until :meth:`release`."""

    def __init__(self, c: Collector):
        self.c = c
        self.release_event = threading.Event()
        self.held = threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.held.wait(10)

    def _hold(self) -> None:
        if self.c.engine.dialect.name == "sqlite":
            with open(f"{self.c.engine.url.database}.write-lock", "a+b") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                self.held.set()
                self.release_event.wait(30)
                fcntl.flock(f, fcntl.LOCK_UN)
            return
        with self.c.engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({db.WRITER_LOCK_KEY})")
            self.held.set()
            self.release_event.wait(30)
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({db.WRITER_LOCK_KEY})")
            conn.commit()

    def release(self) -> None:
        self.release_event.set()
        self.thread.join()


def commits_of(c: Collector) -> list[int]:
    """A list that grows by one entry at each commit of the store's writer."""
    seen: list[int] = []
    event.listen(c.writer.engine, "commit", lambda _conn: seen.append(1))
    return seen


def invitations(c: Collector, n: int) -> list[str]:
    return [c.invite("nps", f"C{1 + i % 4}", "en").token for i in range(n)]  # type: ignore[union-attr]


def test_answers_that_arrive_together_share_one_commit(store_ws):
    c = collector_of(store_ws)
    tokens = invitations(c, 20)
    time.sleep(0.1)  # the writer is idle again
    commits = commits_of(c)
    held = Held(c)
    first = c.submit_answer(tokens[0], None, {"nps": 9}, None, "en")
    time.sleep(0.3)  # the writer has taken the first and waits for the lock
    rest = [c.submit_answer(t, None, {"nps": 9}, "ok", "en") for t in tokens[1:]]
    time.sleep(0.1)
    assert not first.done() and not any(f.done() for f in rest), "acknowledged before the commit"
    held.release()
    done = [f.result(timeout=30) for f in [first, *rest]]
    assert len({d.submission_id for d in done}) == 20
    assert len(commits) == 2  # the first alone, then the 19 that arrived while it waited
    assert count(c, db.submissions) == 20 and count(c, db.answers) == 20


def test_a_refused_answer_leaves_the_others_of_its_batch_stored(store_ws):
    c = collector_of(store_ws)
    tokens = invitations(c, 4)
    c.submit_answer(tokens[3], None, {"nps": 8}, None, "en").result(timeout=30)
    held = Held(c)
    blocker = c.submit_answer(tokens[0], None, {"nps": 1}, "bad", "en")
    time.sleep(0.3)
    futures = {
        "ok": c.submit_answer(tokens[1], None, {"nps": 10}, None, "en"),
        "same link twice": c.submit_answer(tokens[1], None, {"nps": 3}, None, "en"),
        "bad score": c.submit_answer(tokens[2], None, {"nps": 11}, None, "en"),
        "used": c.submit_answer(tokens[3], None, {"nps": 7}, None, "en"),
        "tampered": c.submit_answer(tokens[2][:-2] + "xx", None, {"nps": 7}, None, "en"),
    }
    held.release()
    assert blocker.result(timeout=30).case_id is not None
    assert futures["ok"].result(timeout=30).case_id is None
    for name, reason in (("same link twice", "used"), ("used", "used"), ("tampered", "invalid")):
        with pytest.raises(LinkError) as err:
            futures[name].result(timeout=30)
        assert err.value.reason == reason, name
    with pytest.raises(CxlensError, match="whole number from 0 to 10"):
        futures["bad score"].result(timeout=30)
    assert count(c, db.submissions) == 3 and count(c, db.cases) == 1
    c.resolve(tokens[2])  # the refused answer left its link usable


def test_a_write_that_fails_is_undone_alone(sqlite_ws):
    """An error while writing rolls the batch back; the others are written again, one by one."""
    c = collector_of(sqlite_ws)
    tokens = invitations(c, 3)
    held = Held(c)
    first = c.submit_answer(tokens[0], None, {"nps": 9}, None, "en")
    time.sleep(0.3)

    def fails(conn: sa.Connection) -> Callable[[sa.Connection], None]:
        def apply(conn: sa.Connection) -> None:
            conn.execute(db.sync_state.insert().values(name="x", mark="1"))
            conn.execute(db.sync_state.insert().values(name="x", mark="2"))  # duplicate key

        return apply

    others = [c.submit_answer(tokens[1], None, {"nps": 8}, None, "en")]
    broken = c.writer.submit(fails)
    others.append(c.submit_answer(tokens[2], None, {"nps": 7}, None, "en"))
    held.release()
    for f in [first, *others]:
        f.result(timeout=30)
    with pytest.raises(sa.exc.IntegrityError):
        broken.result(timeout=30)
    assert count(c, db.submissions) == 3 and count(c, db.sync_state) == 0


def test_an_answer_given_up_before_its_batch_is_not_written(sqlite_ws):
    c = collector_of(sqlite_ws)
    tokens = invitations(c, 2)
    held = Held(c)
    first = c.submit_answer(tokens[0], None, {"nps": 9}, None, "en")
    time.sleep(0.3)
    abandoned = c.submit_answer(tokens[1], None, {"nps": 9}, None, "en")
    assert abandoned.cancel()
    held.release()
    first.result(timeout=30)
    time.sleep(0.2)
    assert count(c, db.submissions) == 1
    c.resolve(tokens[1])  # still unanswered


def test_the_invitations_of_a_batch_are_read_in_one_query(store_ws):
    c = collector_of(store_ws)
    tokens = invitations(c, 12)
    reads: list[str] = []
    event.listen(
        c.writer.engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: reads.append(statement),
    )
    held = Held(c)
    first = c.submit_answer(tokens[0], None, {"nps": 9}, None, "en")
    time.sleep(0.3)  # the writer has taken the first and waits for the lock
    rest = [c.submit_answer(t, None, {"nps": 9}, None, "en") for t in tokens[1:]]
    time.sleep(0.1)
    held.release()
    for f in [first, *rest]:
        f.result(timeout=30)
    lookups = [s for s in reads if s.lstrip().upper().startswith("SELECT") and "invitations" in s]
    assert len(lookups) == 2  # the first answer's batch, then the eleven that waited for it
    assert count(c, db.submissions) == 12


def test_a_part_and_the_rest_of_one_answer_in_the_same_batch(store_ws):
    """The second write of the batch sees the part the first one stored (not the row read
    at the batch's start): one submission, complete, the comment with the score."""
    c = collector_of(store_ws)
    other, token = invitations(c, 2)  # before the lock: an invitation is a write too
    held = Held(c)
    blocker = c.submit_answer(other, None, {"nps": 9}, None, "en")
    time.sleep(0.3)
    first_part = c.submit_answer(token, None, {"nps": 4}, None, "en", part="first")
    rest = c.submit_answer(token, None, {}, "slow delivery", "en")
    again = c.submit_answer(token, None, {"nps": 10}, None, "en")
    time.sleep(0.1)
    assert not any(f.done() for f in (blocker, first_part, rest, again)), "written past the lock"
    held.release()
    blocker.result(timeout=30)
    first, second = first_part.result(timeout=30), rest.result(timeout=30)
    assert not first.complete and second.complete
    assert first.submission_id == second.submission_id and first.case_id == second.case_id
    with pytest.raises(LinkError) as err:
        again.result(timeout=30)
    assert err.value.reason == "used"
    with c.engine.connect() as conn:
        rows = conn.execute(
            sa.select(db.answers.c.score, db.answers.c.comment).where(
                db.answers.c.submission_id == first.submission_id
            )
        ).all()
        status = conn.execute(
            sa.select(db.submissions.c.status).where(db.submissions.c.id == first.submission_id)
        ).scalar_one()
    assert [tuple(r) for r in rows] == [(4.0, "slow delivery")] and status == "complete"


def test_submission_ids_sort_in_the_order_they_were_made():
    ids = []
    for _ in range(5):
        ids.append(ordered_id())
        time.sleep(0.002)
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    # the first 12 digits are the time in milliseconds
    assert abs(int(ids[0][:12], 16) - time.time() * 1000) < 5_000

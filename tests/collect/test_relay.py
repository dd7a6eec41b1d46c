"""The answer relay: workers hand their answers to the process that owns the writer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

import cxlens
from cxlens.collect import db
from cxlens.collect.relay import RelayClient, RelayServer, RelayUnavailable
from cxlens.collect.service import AnswerError, Collector, LinkError
from cxlens.collect.surveys import survey_from_dict
from cxlens.errors import CxlensError


def run(loop: str, coroutine: Any) -> Any:
    """Run on asyncio's own event loop or on uvloop (which uvicorn takes when it is installed)."""
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_relayed_answers_are_stored_by_the_relays_writer_with_their_errors(store_ws, loop):
    c = Collector(cxlens.open(store_ws).config)
    c.save_survey(survey_from_dict({"id": "widget", "kind": "csat", "public": True}))
    tokens = [c.invite("nps", f"C{1 + i % 4}", "en").token for i in range(30)]  # type: ignore[union-attr]
    commits: list[int] = []
    event.listen(c.writer.engine, "commit", lambda _conn: commits.append(1))
    relay = RelayServer(c).start()

    async def scenario() -> list[object]:
        client = RelayClient(str(relay.path))

        async def answer(token: str | None, score: int, survey: str | None = None) -> object:
            try:
                return await client.submit(
                    token, survey, {"csat" if survey else "nps": score}, None, "en", "10.0.0.9"
                )
            except CxlensError as exc:
                return exc

        many = await asyncio.gather(*(answer(t, 9) for t in tokens))
        again = await answer(tokens[0], 3)
        bad = await answer(c.invite("nps", "C1").token, 11)  # type: ignore[union-attr]
        tampered = await answer(tokens[1][:-2] + "xx", 3)
        public = await answer(None, 1, "widget")
        unknown = await answer(None, 1, "nope")
        return [many, again, bad, tampered, public, unknown]

    try:
        many, again, bad, tampered, public, unknown = run(loop, scenario())
    finally:
        relay.stop()
    assert len({m.submission_id for m in many}) == 30  # type: ignore[attr-defined]
    assert all(m.survey_id == "nps" and m.case_id is None for m in many)  # type: ignore[attr-defined]
    assert len(commits) < 30  # answers sent together shared commits
    assert isinstance(again, LinkError) and again.reason == "used" and again.language == "en"
    assert isinstance(bad, AnswerError) and bad.field == "nps"
    assert isinstance(tampered, LinkError) and tampered.reason == "invalid"
    assert not isinstance(public, Exception), public
    assert public.survey_id == "widget" and public.case_id is not None  # type: ignore[union-attr]
    assert type(unknown) is CxlensError and "no survey 'nope'" in str(unknown)
    with c.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.submissions)).scalar() == 31
    assert not relay.path.exists()


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_relay_that_cannot_be_reached_is_said_so_before_anything_is_sent(tmp_path, loop):
    client = RelayClient(str(tmp_path / "nowhere.sock"))
    with pytest.raises(RelayUnavailable):
        run(loop, client.submit("x", None, {}, None, "en", None))


def test_the_replies_of_a_batch_go_to_a_worker_in_one_write(sqlite_ws, monkeypatch):
    from cxlens.collect import relay as relay_module
    from tests.collect.test_writer import Held

    c = Collector(cxlens.open(sqlite_ws).config)
    tokens = [c.invite("nps", f"C{1 + i % 4}", "en").token for i in range(10)]  # type: ignore[union-attr]
    sent: list[int] = []
    plain = relay_module._Peer.send

    def counted(self: Any) -> None:
        if self._replies:
            sent.append(len(self._replies))
        plain(self)

    monkeypatch.setattr(relay_module._Peer, "send", counted)
    writes: list[int] = []
    plain_send = RelayClient._send

    def counted_send(self: RelayClient, transport: Any) -> None:
        writes.append(len(self._outbox))
        plain_send(self, transport)

    monkeypatch.setattr(RelayClient, "_send", counted_send)
    relay = RelayServer(c).start()
    held = Held(c)

    async def scenario() -> list[object]:
        client = RelayClient(str(relay.path))
        first = asyncio.ensure_future(client.submit(tokens[0], None, {"nps": 9}, None, "en", None))
        await asyncio.sleep(0.3)  # the writer has taken it and waits for the lock
        rest = [client.submit(t, None, {"nps": 9}, None, "en", None) for t in tokens[1:]]
        gathered = asyncio.gather(*rest)
        await asyncio.sleep(0.3)  # all nine wait in the writer's queue
        held.release()
        return [await first, *(await gathered)]

    try:
        done = asyncio.run(scenario())
    finally:
        relay.stop()
    assert len({d.submission_id for d in done}) == 10  # type: ignore[attr-defined]
    assert writes == [1, 9]  # the nine requests made in one turn of the loop: one write
    assert sent == [1, 9]  # the first batch's reply, then the nine of the second at once


def test_a_stopped_relay_leaves_the_writer_and_its_batches_alone(sqlite_ws):
    c = Collector(cxlens.open(sqlite_ws).config)
    before = list(c.writer._after_batch)
    relay = RelayServer(c).start()
    assert len(c.writer._after_batch) == len(before) + 1
    relay.stop()
    assert c.writer._after_batch == before
    # the writer goes on storing answers after the relay is gone, with nothing of the relay called
    token = c.invite("nps", "C1", "en").token  # type: ignore[union-attr]
    assert c.submit_answer(token, None, {"nps": 7}, None, "en").result(timeout=10).submission_id
    relay.stop()  # a second stop is harmless

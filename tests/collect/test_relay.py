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

"""Each question of the survey page is saved as soon as it is answered: the answer is
partial and changeable until the survey's button sends it, then complete and fixed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import cxlens
from cxlens.collect import db
from cxlens.collect.answers import SOME
from cxlens.collect.service import AnswerError, Collector
from cxlens.collect.surveys import survey_from_dict
from cxlens.collect.sync import sync
from cxlens.web.app import create_app
from tests.collect.conftest import make_ws

TWO_QUESTIONS = {
    "id": "after-delivery",
    "kind": "custom",
    "touchpoint": "delivery",
    "questions": [
        {"id": "recommend", "kind": "nps", "text": {"en": "Would you recommend us?"}},
        {"id": "delivery", "kind": "csat", "text": {"en": "How was the delivery?"}},
    ],
}


@pytest.fixture
def site(tmp_path):
    root = make_ws(tmp_path / "ws")
    c = Collector(cxlens.open(root).config)
    c.save_survey(survey_from_dict(TWO_QUESTIONS))
    return root, c, TestClient(create_app(root, schedule=False))


def _stored(c: Collector) -> list[tuple[str, float | None, str | None, str]]:
    with c.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                db.answers.c.question_id, db.answers.c.score, db.answers.c.comment,
                db.submissions.c.status,
            )
            .join(db.submissions, db.submissions.c.id == db.answers.c.submission_id)
            .order_by(db.answers.c.id)
        ).all()  # fmt: skip
    return [tuple(r) for r in rows]


def test_each_question_is_saved_as_answered_changeable_until_the_survey_is_sent(site):
    root, c, client = site
    inv = c.invite("after-delivery", "C1", "en")
    path = f"/s/{inv.token}"
    page = client.get(path)
    assert f'data-save="{path}/save"' in page.text and "data-finish-later" in page.text
    # the first question, alone: stored at once as a partial answer
    r = client.post(f"{path}/save", data={"lang": "en", "q_recommend": "9"})
    assert r.status_code == 200 and r.json() == {"complete": False, "questions": ["recommend"]}
    assert _stored(c) == [("recommend", 9.0, None, "partial")]
    # the second, then a change of mind on the first: the same answer, changed in place
    client.post(f"{path}/save", data={"lang": "en", "q_delivery": "4"})
    client.post(f"{path}/save", data={"lang": "en", "q_recommend": "10"})
    assert _stored(c) == [("recommend", 10.0, None, "partial"), ("delivery", 4.0, None, "partial")]
    # the comment, saved when the customer leaves its box, and changed too
    client.post(f"{path}/save", data={"lang": "en", "comment": "On time"})
    client.post(f"{path}/save", data={"lang": "en", "comment": "On time, well packed"})
    assert _stored(c)[0] == ("recommend", 10.0, "On time, well packed", "partial")
    # everything is answered, yet the answer stays partial until the survey's button
    page = client.get(path)
    assert page.status_code == 200
    assert re.search(r'name="q_recommend" value="10" checked aria-label', page.text)
    assert re.search(r'name="q_delivery" value="4" checked aria-label', page.text)
    assert ">On time, well packed</textarea>" in page.text
    sync(cxlens.open(root), c)
    frame = cxlens.open(root).table("responses").execute().sort_values("response_id")
    assert frame[["score", "complete"]].values.tolist() == [[4.0, False], [10.0, False]]
    # the button sends the form as the page shows it: complete, and fixed from then on
    done = client.post(
        path,
        data={
            "lang": "en",
            "q_recommend": "10",
            "q_delivery": "4",
            "comment": "On time, well packed",
        },
    )
    assert done.status_code == 200
    assert [s for *_, s in _stored(c)] == ["complete", "complete"]
    late = client.post(f"{path}/save", data={"lang": "en", "q_recommend": "2"})
    assert late.status_code == 409 and late.json()["reason"] == "used"
    assert _stored(c)[0][1] == 10.0
    # the warehouse gets the completed answer in place of the partial one
    sync(cxlens.open(root), c)
    frame = cxlens.open(root).table("responses").execute().sort_values("response_id")
    assert frame[["score", "complete"]].values.tolist() == [[4.0, True], [10.0, True]]


def test_a_comment_deleted_from_its_box_is_deleted_from_the_answer_its_case_and_the_warehouse(
    site,
):
    root, c, client = site
    inv = c.invite("after-delivery", "C5", "en")
    path = f"/s/{inv.token}"
    client.post(f"{path}/save", data={"lang": "en", "q_recommend": "2"})
    client.post(f"{path}/save", data={"lang": "en", "comment": "Rude driver, wrong address"})
    assert c.progress(inv.id).comment == "Rude driver, wrong address"
    sync(cxlens.open(root), c)
    # the customer thinks better of it and empties the box (whitespace counts as empty)
    r = client.post(f"{path}/save", data={"lang": "en", "comment": "  "})
    assert r.status_code == 200 and r.json()["complete"] is False
    assert c.progress(inv.id).comment is None
    assert _stored(c) == [("recommend", 2.0, None, "partial")]
    [case] = c.cases()
    assert case["comment"] is None
    # the page no longer shows it
    assert "Rude driver" not in client.get(path).text
    sync(cxlens.open(root), c)
    frame = cxlens.open(root).table("responses").execute()
    assert frame["comment"].isna().all()
    # a part that sends no comment box leaves a saved comment alone
    client.post(f"{path}/save", data={"lang": "en", "comment": "Late"})
    client.post(f"{path}/save", data={"lang": "en", "q_delivery": "3"})
    assert c.progress(inv.id).comment == "Late"
    # and the survey's button, sent with the box emptied, completes the answer without it
    done = client.post(
        path, data={"lang": "en", "q_recommend": "2", "q_delivery": "3", "comment": ""}
    )
    assert done.status_code == 200
    final = c.progress(inv.id)
    assert final.complete and final.comment is None and final.scores == {
        "recommend": 2.0, "delivery": 3.0,
    }  # fmt: skip


def test_a_comment_saved_before_any_score_can_be_deleted_and_written_again(site):
    _root, c, client = site
    inv = c.invite("after-delivery", "C6", "en")
    path = f"/s/{inv.token}/save"
    client.post(path, data={"lang": "en", "comment": "Hello"})
    client.post(path, data={"lang": "en", "comment": ""})
    assert c.progress(inv.id).comment is None
    client.post(path, data={"lang": "en", "q_recommend": "9"})
    client.post(path, data={"lang": "en", "comment": "Quick"})
    progress = c.progress(inv.id)
    assert progress.comment == "Quick" and progress.scores == {"recommend": 9.0}
    # an empty box on an answer that never had a comment is no answer at all
    other = c.invite("after-delivery", "C7", "en")
    r = client.post(f"/s/{other.token}/save", data={"lang": "en", "comment": ""})
    assert r.status_code == 422 and c.progress(other.id) is None


def test_a_poor_score_opens_one_case_whose_score_follows_the_customers_changes(site):
    _root, c, client = site
    inv = c.invite("after-delivery", "C2", "en")
    path = f"/s/{inv.token}/save"
    client.post(path, data={"lang": "en", "q_recommend": "3"})
    [case] = c.cases()
    assert (case["kind"], case["score"]) == ("nps", 3.0)
    client.post(path, data={"lang": "en", "q_recommend": "5"})
    client.post(path, data={"lang": "en", "comment": "Late"})
    [case] = c.cases()  # still one case, with the answer as it is now
    assert (case["kind"], case["score"], case["comment"]) == ("nps", 5.0, "Late")
    # a change to a score that would open no case leaves the case, with the new score
    client.post(path, data={"lang": "en", "q_recommend": "8"})
    client.post(path, data={"lang": "en", "q_delivery": "1"})
    [case] = c.cases()
    assert (case["kind"], case["score"]) == ("csat", 1.0)  # now the poor delivery score


def test_a_case_is_announced_once_however_many_parts_follow(site, monkeypatch):
    _root, c, client = site
    announced: list[int] = []
    import cxlens.collect.delivery as delivery

    monkeypatch.setattr(delivery, "announce_case", lambda _c, case_id: announced.append(case_id))
    inv = c.invite("after-delivery", "C3", "en")
    for score in ("2", "4", "6"):
        client.post(f"/s/{inv.token}/save", data={"lang": "en", "q_recommend": score})
    client.post(f"/s/{inv.token}", data={"lang": "en", "q_delivery": "5"})
    [case] = c.cases()
    assert announced == [case["id"]]


def test_without_scripts_the_finish_later_button_saves_a_partial_answer(site):
    _root, c, client = site
    inv = c.invite("after-delivery", "C4", "de")
    path = f"/s/{inv.token}"
    page = client.get(path)
    assert "Speichern und später beenden" in page.text
    r = client.post(
        path, data={"lang": "de", "q_recommend": "7", "part": "some"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"{path}?lang=de"
    assert _stored(c) == [("recommend", 7.0, None, "partial")]
    again = client.get(r.headers["location"])
    assert "Ihre Antwort ist gespeichert" in again.text
    assert re.search(r'name="q_recommend" value="7" checked', again.text)
    # and the survey's button finishes it, with a changed score
    client.post(path, data={"lang": "de", "q_recommend": "8", "q_delivery": "5"})
    assert _stored(c) == [("recommend", 8.0, None, "complete"), ("delivery", 5.0, None, "complete")]


def test_a_saved_part_is_checked_like_a_whole_answer(site):
    _root, c, client = site
    inv = c.invite("after-delivery", "C1", "en")
    path = f"/s/{inv.token}/save"
    assert client.post(path, data={"lang": "en", "q_recommend": "11"}).status_code == 422
    assert client.post(path, data={"lang": "en", "q_unknown": "3"}).json()["field"] == "scores"
    assert client.post(path, data={"lang": "en"}).status_code == 422  # nothing to save
    assert client.post(path[:-10] + "x/save", data={"q_recommend": "3"}).status_code == 404
    assert _stored(c) == []
    with pytest.raises(AnswerError, match="part of an answer"):
        c.submit(c.survey("after-delivery"), None, {"recommend": 3}, None, "en", part="half")
    # a part stored directly (as the relay does) stays partial
    done = c.submit_answer(inv.token, None, {"recommend": 6}, None, "en", part=SOME).result()
    assert not done.complete and done.new_case


def test_parts_sent_through_the_answer_relay_stay_partial_until_the_whole(site):
    """With several workers the relay stores the parts: their kind and the new case go both ways."""
    import asyncio

    from cxlens.collect.relay import RelayClient, RelayServer

    _root, c, _client = site
    token = c.invite("after-delivery", "C2", "en").token
    relay = RelayServer(c).start()

    async def scenario() -> list[object]:
        client = RelayClient(str(relay.path))
        first = await client.submit(token, None, {"recommend": 4}, None, "en", None, SOME)
        changed = await client.submit(token, None, {"recommend": 6}, None, "en", None, SOME)
        whole = await client.submit(token, None, {"delivery": 5}, None, "en", None)
        return [first, changed, whole]

    try:
        first, changed, whole = asyncio.run(scenario())
    finally:
        relay.stop()
    assert not first.complete and first.new_case and first.case_id is not None
    assert not changed.complete and not changed.new_case and changed.case_id == first.case_id
    assert whole.complete
    assert _stored(c) == [("recommend", 6.0, None, "complete"), ("delivery", 5.0, None, "complete")]

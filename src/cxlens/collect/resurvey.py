"""Re-surveys: the customer of a closed follow-up case is asked again some time later.

Off unless ``cxlens.toml`` asks for it::

    [cases]
    resurvey_after = "30d"               # this long after a case is closed
    resurvey_survey = "nps-relational"   # default: the survey whose answer opened the case
    resurvey_within = "7d"               # how late a round may still send one (default 7d)

Each dispatch (the server's scheduler, ``cxlens survey dispatch``) invites the customer
of every case closed between ``resurvey_after + resurvey_within`` and ``resurvey_after``
ago, once per case (the invitation's trigger key is ``case:<id>``), by the same rules
as every trigger: the survey must be turned on, and the customer must have consented,
not have opted out, and have had no invitation in the last ``fatigue_days``. The next
answer of the same kind is what the recovery measure reads
(:mod:`cxlens.collect.case_analytics`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cxlens.collect import db
from cxlens.errors import CxlensError
from cxlens.periods import parse_duration

if TYPE_CHECKING:
    from cxlens.collect.service import Collector

#: how a re-survey invitation's trigger key starts
CASE_KEY = "case:"
#: the ``tickets`` category of the follow-up cases that ``cxlens sync`` copies there
FOLLOW_UP = "feedback follow-up"


@dataclass(frozen=True)
class ResurveySettings:
    after: timedelta
    within: timedelta
    #: None: the survey whose answer opened each case
    survey_id: str | None


def resurvey_settings(collector: Collector) -> ResurveySettings | None:
    """The ``[cases] resurvey_*`` settings, or None when re-surveys are off."""
    section = collector.config.section("cases")
    after = section.get("resurvey_after")
    if after is None:
        return None
    survey_id = section.get("resurvey_survey")
    if survey_id is not None:
        try:
            collector.survey(str(survey_id))
        except CxlensError:
            raise CxlensError(
                f"cxlens.toml, [cases] resurvey_survey: there is no survey {survey_id!r}."
            ) from None
    return ResurveySettings(
        parse_duration(after, "cxlens.toml, [cases] resurvey_after"),
        parse_duration(
            section.get("resurvey_within", "7d"), "cxlens.toml, [cases] resurvey_within"
        ),
        str(survey_id) if survey_id is not None else None,
    )


@dataclass(frozen=True)
class DueResurvey:
    case_id: int
    customer_id: str
    survey_id: str

    @property
    def key(self) -> str:
        return f"{CASE_KEY}{self.case_id}"


def due_resurveys(
    collector: Collector, settings: ResurveySettings, now: datetime
) -> list[DueResurvey]:
    """The closed cases (with a known customer) whose re-survey is due at ``now``."""
    latest = (now - settings.after).astimezone(UTC)
    earliest = latest - settings.within
    with collector.engine.connect() as conn:
        rows = conn.execute(
            sa.select(db.cases.c.id, db.cases.c.customer_id, db.cases.c.survey_id)
            .where(db.cases.c.status == "closed")
            .where(db.cases.c.customer_id.is_not(None))
            .where(db.cases.c.closed_at <= latest)
            .where(db.cases.c.closed_at > earliest)
            .order_by(db.cases.c.id)
        ).all()
    return [
        DueResurvey(int(r.id), str(r.customer_id), settings.survey_id or str(r.survey_id))
        for r in rows
    ]

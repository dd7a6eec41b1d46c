"""Survey definitions: kinds, questions in six languages, templates, validation.

A survey is defined in YAML or TOML (``cxlens survey create FILE``)::

    id: csat-support
    kind: csat                 # nps | csat | ces | custom
    name: Support CSAT
    touchpoint: support        # tags every answer, so metrics break down by it
    comment: true              # ask "What is the main reason for your score?"
    anonymous: false           # true: no customer link and no IP kept
    public: false              # true: the JSON endpoint takes answers without an invitation
    expires: 30d               # how long an invitation link stays valid
    sampling: 1.0              # share of eligible customers invited
    trigger: {after: ticket_resolved, delay: 1d}

For ``nps``, ``csat`` and ``ces`` the question, its scale labels, the comment
question and the thank-you text come from the templates below in en, et, bg,
de, hr and fi; any of them can be overridden per language. A ``custom`` survey
lists its questions (each with a stable ``id`` and a ``kind`` of nps, csat or
ces, so its answers roll up into the same metrics)::

    questions:
      - id: delivery
        kind: csat
        text: {en: "How satisfied were you with the delivery?", de: "..."}
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxlens.config import parse_yaml
from cxlens.errors import CxlensError
from cxlens.i18n import N_, gettext
from cxlens.periods import parse_duration

LANGUAGES = ("en", "et", "bg", "de", "hr", "fi")
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
KINDS = (*SCALES, "custom")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_COMMENT = 5000


#: the built-in questions, answer-scale ends and texts of new surveys; the catalogs translate
#: them, and each survey keeps its own copy in six languages (``{company}`` filled when shown)
TEMPLATES: dict[str, dict[str, str]] = {
    "nps": {
        "text": N_("How likely are you to recommend %(company)s to a friend or colleague?"),
        "low": N_("Not at all likely"),
        "high": N_("Extremely likely"),
    },
    "csat": {
        "text": N_("How satisfied were you with us this time?"),
        "low": N_("Very dissatisfied"),
        "high": N_("Very satisfied"),
    },
    "ces": {
        "text": N_("%(company)s made it easy for me to handle my issue."),
        "low": N_("Strongly disagree"),
        "high": N_("Strongly agree"),
    },
}
COMMENT = N_("What is the main reason for your score?")
THANK_YOU = N_("Thank you for your feedback!")


def in_every_language(message: str) -> dict[str, str]:
    """A built-in survey text in the six languages, with the survey's own ``{company}`` in it."""
    return {lang: gettext(message, lang, company="{company}") for lang in LANGUAGES}


@dataclass
class Question:
    id: str
    kind: str
    text: dict[str, str]
    low: dict[str, str]
    high: dict[str, str]

    @property
    def scale(self) -> tuple[int, int]:
        return SCALES[self.kind]

    def in_lang(self, part: str, lang: str, company: str) -> str:
        texts: dict[str, str] = getattr(self, part)
        return (texts.get(lang) or texts.get("en") or "").replace("{company}", company)


@dataclass
class Survey:
    id: str
    kind: str
    name: str
    questions: list[Question]
    touchpoint: str | None = None
    comment: bool = True
    comment_text: dict[str, str] = field(default_factory=lambda: in_every_language(COMMENT))
    thank_you: dict[str, str] = field(default_factory=lambda: in_every_language(THANK_YOU))
    anonymous: bool = False
    public: bool = False
    expires_days: float = 30.0
    sampling: float = 1.0
    trigger: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Survey:
        data = json.loads(text)
        data["questions"] = [Question(**q) for q in data["questions"]]
        return cls(**data)

    def text(self, part: str, lang: str) -> str:
        texts: dict[str, str] = getattr(self, part)
        return texts.get(lang) or texts.get("en") or ""


def _localised(value: Any, where: str, default: dict[str, str] | None = None) -> dict[str, str]:
    if value is None:
        return dict(default or {})
    if isinstance(value, str):
        return {lang: value for lang in LANGUAGES}
    if not isinstance(value, dict):
        raise CxlensError(f"{where}: give a text or a table of texts per language (en, et, ...).")
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        raise CxlensError(f"{where}: unknown language(s) {', '.join(sorted(unknown))}.")
    out = dict(default or {})
    out.update({k: str(v) for k, v in value.items()})
    return out


def _days(value: Any, where: str) -> float:
    return parse_duration(value if value is not None else "30d", where).total_seconds() / 86_400


AFTER = ("ticket_resolved", "order")


def check_trigger(trigger: Any, source: str) -> dict[str, Any]:
    """A survey's ``trigger`` checked, with its durations in seconds (see :mod:`cxlens.collect.triggers`)."""
    where = f"{source}, trigger"
    if not isinstance(trigger, dict):
        raise CxlensError(
            f"{where}: write it as {{after: ticket_resolved, delay: 1d}} or {{every: 90d}}."
        )
    unknown = set(trigger) - {"after", "delay", "every", "active", "within"}
    if unknown:
        raise CxlensError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}.")
    if ("after" in trigger) == ("every" in trigger):
        raise CxlensError(f"{where}: give either 'after' or 'every'.")
    out: dict[str, Any] = {}
    if "after" in trigger:
        after = str(trigger["after"])
        if after not in AFTER and not (after.startswith("event:") and len(after) > 6):
            raise CxlensError(
                f"{where}: 'after' is ticket_resolved, order or event:<touchpoint>, got {after!r}."
            )
        out["after"] = after
        out["delay"] = parse_duration(trigger.get("delay", "1d"), f"{where}, delay").total_seconds()
    else:
        out["every"] = parse_duration(trigger["every"], f"{where}, every").total_seconds()
        out["active"] = parse_duration(
            trigger.get("active", "365d"), f"{where}, active"
        ).total_seconds()
    out["within"] = parse_duration(trigger.get("within", "7d"), f"{where}, within").total_seconds()
    return out


def survey_from_dict(data: dict[str, Any], source: str = "survey") -> Survey:
    """Validate a survey definition; every problem names the field."""
    if not isinstance(data, dict):
        raise CxlensError(f"{source}: a survey definition is a table of fields (id, kind, ...).")
    known = {
        "id", "kind", "name", "touchpoint", "comment", "anonymous", "public", "expires",
        "sampling", "trigger", "questions", "question", "low", "high", "comment_text", "thank_you",
    }  # fmt: skip
    unknown = set(data) - known
    if unknown:
        raise CxlensError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}.")
    sid = str(data.get("id", ""))
    if not ID_PATTERN.match(sid):
        raise CxlensError(
            f"{source}: 'id' must be 1-64 lower-case letters, digits, '-' or '_', got {sid!r}."
        )
    kind = str(data.get("kind", ""))
    if kind not in KINDS:
        raise CxlensError(f"{source}: 'kind' must be one of {', '.join(KINDS)}, got {kind!r}.")
    questions: list[Question] = []
    if kind == "custom":
        raw = data.get("questions")
        if not raw or not isinstance(raw, list):
            raise CxlensError(f"{source}: a custom survey lists its 'questions'.")
        seen = set()
        for i, q in enumerate(raw, start=1):
            where = f"{source}, question {i}"
            if not isinstance(q, dict):
                raise CxlensError(f"{where}: a question is a table (id, kind, text).")
            qid, qkind = str(q.get("id", "")), str(q.get("kind", ""))
            if not ID_PATTERN.match(qid) or qid in seen:
                raise CxlensError(f"{where}: 'id' must be a unique short name, got {qid!r}.")
            if qkind not in SCALES:
                raise CxlensError(f"{where}: 'kind' must be nps, csat or ces, got {qkind!r}.")
            seen.add(qid)
            template = TEMPLATES[qkind]
            questions.append(
                Question(
                    qid,
                    qkind,
                    _localised(
                        q.get("text"), f"{where}, text", in_every_language(template["text"])
                    ),
                    _localised(q.get("low"), f"{where}, low", in_every_language(template["low"])),
                    _localised(
                        q.get("high"), f"{where}, high", in_every_language(template["high"])
                    ),
                )
            )
    else:
        template = TEMPLATES[kind]
        questions.append(
            Question(
                kind,
                kind,
                _localised(
                    data.get("question"), f"{source}, question", in_every_language(template["text"])
                ),
                _localised(data.get("low"), f"{source}, low", in_every_language(template["low"])),
                _localised(
                    data.get("high"), f"{source}, high", in_every_language(template["high"])
                ),
            )
        )
    raw_sampling = data.get("sampling", 1.0)
    try:
        sampling = float(raw_sampling)
    except (TypeError, ValueError):
        sampling = math.nan
    if isinstance(raw_sampling, bool) or not 0 < sampling <= 1:
        raise CxlensError(
            f"{source}: 'sampling' is a share between 0 and 1 (such as 0.3), got {raw_sampling!r}."
        )
    trigger = data.get("trigger")
    if trigger is not None:
        trigger = check_trigger(trigger, source)
    return Survey(
        id=sid,
        kind=kind,
        name=str(data.get("name") or sid),
        questions=questions,
        touchpoint=str(data["touchpoint"]) if data.get("touchpoint") else None,
        comment=bool(data.get("comment", True)),
        comment_text=_localised(
            data.get("comment_text"), f"{source}, comment_text", in_every_language(COMMENT)
        ),
        thank_you=_localised(
            data.get("thank_you"), f"{source}, thank_you", in_every_language(THANK_YOU)
        ),
        anonymous=bool(data.get("anonymous", False)),
        public=bool(data.get("public", False)),
        expires_days=_days(data.get("expires"), f"{source}, expires"),
        sampling=sampling,
        trigger=trigger,
    )


def load_survey_file(path: Path) -> Survey:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CxlensError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else parse_yaml(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise CxlensError(f"{path} is not valid {path.suffix.lstrip('.').upper()}: {exc}") from None
    return survey_from_dict(data, str(path))


def template_survey(kind: str, sid: str | None = None, **fields: Any) -> Survey:
    if kind not in SCALES:
        raise CxlensError(f"Templates exist for nps, csat and ces, not {kind!r}.")
    return survey_from_dict({"id": sid or kind, "kind": kind, **fields}, f"template {kind}")

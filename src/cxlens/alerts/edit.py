"""Adding and removing alert rules in ``cxlens.toml``, keeping the rest of the file as written.

The dashboard and ``cxlens alerts add`` / ``remove`` go through here. An edit holds
the workspace's settings lock (one editor at a time across processes), checks a
new rule with the same checks as ``cxlens alerts check`` (and that its name is
not taken), tries it once on the data (so an unknown dimension or a filter that does
not parse is refused before it is saved), and then replaces the file atomically:
other sections, comments and the order of keys stay as they were, and a failed
edit leaves the file untouched.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cxlens.alerts.rules import (
    WHEN,
    Rule,
    check_alerts,
    configured_rules,
    last_full_period,
    parse_rules,
)
from cxlens.config import CONFIG_FILE
from cxlens.errors import CxlensError
from cxlens.i18n import gettext
from cxlens.metrics.engine import ALL, kpi

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

LOCK_FILE = ".cxlens.toml.lock"
#: the keys a rule may have, in the order they are written
KEYS = ("name", "metric", "when", "by", "period", "threshold", "older_than", "where")


def rule_entry(values: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """A ``[[alerts]]`` entry from loose values (a web form, command options).

    Empty values are left out, ``by`` may be a comma-separated text, ``threshold``
    a number as text. Only the keys that matter for the rule's kind are kept.
    Problems are told in ``lang``.
    """
    name = str(values.get("name") or "").strip()
    if not name:
        raise CxlensError(gettext("An alert rule needs a name.", lang))
    if len(name) > 200:
        raise CxlensError(gettext("An alert rule's name can have at most 200 characters.", lang))
    when = str(values.get("when") or "").strip()
    if when not in WHEN:
        raise CxlensError(
            gettext(
                "when must be one of %(choices)s, not %(when)r.", lang,
                choices=", ".join(WHEN), when=when,
            )
        )  # fmt: skip
    entry: dict[str, Any] = {"name": name}
    if when != "open_cases":
        entry["metric"] = str(values.get("metric") or "").strip()
    entry["when"] = when
    if when != "open_cases":
        by = values.get("by") or []
        dims = [d.strip() for d in by.split(",")] if isinstance(by, str) else [str(d) for d in by]
        if dims := [d for d in dims if d]:
            entry["by"] = dims
        entry["period"] = str(values.get("period") or "month")
    threshold = values.get("threshold")
    if threshold not in (None, ""):
        try:
            number = float(str(threshold).replace(",", "."))
        except ValueError:
            raise CxlensError(
                gettext("threshold must be a number, not %(value)r.", lang, value=threshold)
            ) from None
        entry["threshold"] = int(number) if number.is_integer() else number
    if when == "open_cases":
        entry["older_than"] = str(values.get("older_than") or "48h").strip()
    where = str(values.get("where") or "").strip()
    if where:
        entry["where"] = where
    return {k: entry[k] for k in KEYS if k in entry}


@contextmanager
def _settings_lock(ws: WorkspaceData) -> Iterator[None]:
    fd = os.open(ws.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _replace(path: Any, text: str) -> None:
    """Write ``text`` to a new file next to ``path`` and rename it over ``path``."""
    mode = os.stat(path).st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cxlens.toml.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text.rstrip("\n") + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _try(ws: WorkspaceData, rule: Rule, lang: str) -> None:
    """Evaluate ``rule`` once; a dimension the metric's tables do not have is an error here."""
    if rule.when == "open_cases":
        check_alerts(ws, rules=[rule])
        return
    start, end = last_full_period(ws, rule.period)
    frame = kpi(
        ws,
        rule.metric, by=list(rule.by), period=rule.period, start=start, end=end,
        where=rule.where, compare="previous",
    )  # fmt: skip
    missing = [d for d in rule.by if d in frame and frame[d].eq(ALL).all()]
    if missing:
        raise CxlensError(
            gettext(
                "%(metric)s cannot be broken down by %(dimensions)s: no such column.", lang,
                metric=rule.metric, dimensions=", ".join(missing),
            )
        )  # fmt: skip


def add_rule(
    ws: WorkspaceData, values: Mapping[str, Any], try_on_data: bool = True, lang: str = "en"
) -> Rule:
    """Append a rule to ``cxlens.toml`` after checking it; return it. Problems are told in ``lang``."""
    import tomlkit

    entry = rule_entry(values, lang)
    path = ws.root / CONFIG_FILE
    with _settings_lock(ws):
        existing = configured_rules(ws)
        names = [str(e.get("name") or f"alert {i}") for i, e in enumerate(existing, start=1)]
        if entry["name"] in names:
            raise CxlensError(
                gettext("There is a rule named %(name)r already.", lang, name=entry["name"])
            )
        rule = parse_rules([entry], None, lang)[0]
        if try_on_data:
            try:
                _try(ws, rule, lang)
            except CxlensError as exc:
                raise CxlensError(
                    gettext("The rule cannot be evaluated: %(problem)s", lang, problem=str(exc))
                ) from None
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
        table = tomlkit.table()
        for key, value in entry.items():
            table[key] = value
        table.trivia.indent = "\n"  # a blank line before each [[alerts]]
        if "alerts" in doc and isinstance(doc["alerts"], tomlkit.items.AoT):
            doc["alerts"].append(table)
        elif "alerts" in doc:  # a single [alerts] table: make it a list of two
            first = doc["alerts"]
            del doc["alerts"]
            doc.append("alerts", tomlkit.aot())
            doc["alerts"].append(first)
            doc["alerts"].append(table)
        else:
            doc.append("alerts", tomlkit.aot())
            doc["alerts"].append(table)
        _replace(path, tomlkit.dumps(doc))
    return rule


def remove_rule(ws: WorkspaceData, name: str, lang: str = "en") -> None:
    """Remove the rule called ``name`` from ``cxlens.toml``."""
    missing = gettext("There is no alert rule named %(name)r.", lang, name=name)
    import tomlkit

    path = ws.root / CONFIG_FILE
    with _settings_lock(ws):
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
        rules = doc.get("alerts")
        if isinstance(rules, tomlkit.items.AoT):
            index = next(
                (i for i, t in enumerate(rules) if str(t.get("name") or f"alert {i + 1}") == name),
                None,
            )
            if index is None:
                raise CxlensError(missing)
            del rules[index]
            if not len(rules):
                del doc["alerts"]
        elif rules is not None and str(rules.get("name") or "alert 1") == name:
            del doc["alerts"]
        else:
            raise CxlensError(missing)
        _replace(path, tomlkit.dumps(doc))

"""Errors meant for people: each says what was wrong, where, and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field


class CxlensError(Exception):
    """An error caused by input or configuration, shown to the user without a traceback."""


class WorkspaceNotFound(CxlensError):
    pass


@dataclass
class Problem:
    """One problem found in an input file."""

    kind: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


@dataclass
class ProblemReport:
    """All problems of one file, grouped by kind, with counts."""

    file: str
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    limit: int = 5

    def add(self, problem: Problem, count: int = 1) -> None:
        self.problems.setdefault(problem.kind, [])
        if len(self.problems[problem.kind]) < self.limit:
            self.problems[problem.kind].append(problem)
        self.counts[problem.kind] = self.counts.get(problem.kind, 0) + count

    def add_count(self, kind: str, count: int) -> None:
        """Account for ``count`` more problems of ``kind`` beyond those listed."""
        self.counts[kind] = self.counts.get(kind, 0) + count

    def __bool__(self) -> bool:
        return bool(self.counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def render(self) -> str:
        lines = [f"{self.file}: rejected, {self.total} problem(s); nothing was imported."]
        for kind, items in self.problems.items():
            count = self.counts.get(kind, len(items))
            lines.append(f"  {kind} ({count}):")
            for p in items:
                where = p.where()
                value = f" (value: {p.value!r})" if p.value is not None else ""
                prefix = f"{self.file}, {where}: " if where else f"{self.file}: "
                lines.append(f"    - {prefix}{p.message}{value}")
            if count > len(items):
                lines.append(f"    ... and {count - len(items)} more")
        return "\n".join(lines)


class ImportRejected(CxlensError):
    """A file failed validation; nothing was written."""

    def __init__(self, report: ProblemReport):
        self.report = report
        super().__init__(report.render())

"""Import presets: how a known export (Shopify, Zendesk, Google Ads, ...) maps onto the tables.

A preset is data, one YAML file each: the columns that identify the export, how
its rows are read (a preamble before the header, a footer, empty markers, number
layout, line items grouped into one record), who the person of each row is, and for
each canonical table the source columns and conversions that fill it. The presets
shipped live beside this file; a workspace adds its own as ``presets/NAME.yaml``
(same format, no Python). :mod:`cxlens.ingest.presets.compile` turns one into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxlens.errors import CxlensError
from cxlens.schema import TABLE_NAMES

PACKAGE_DIR = Path(__file__).parent
WORKSPACE_DIR = "presets"

#: the keys a column's conversion may use (see the README's preset section)
COLUMN_KEYS = {
    "col", "pattern", "value", "number", "minus", "divide", "map", "default", "lower",
    "epoch_us", "date_format", "plus_minutes", "param", "params_of", "field", "agg",
    "greater_than", "not_empty", "prefix", "key", "identity", "header_group", "any_of", "round",
    "concat", "sep", "if_empty", "utc", "plus_hours",
}  # fmt: skip
AGGREGATES = ("first", "sum", "max", "min", "count", "any")


@dataclass(frozen=True)
class Preset:
    """One export format and how its columns fill the canonical tables."""

    name: str
    title: str
    sources: tuple[str, ...]
    formats: tuple[str, ...]
    detect: tuple[tuple[str, ...], ...]
    tables: dict[str, dict[str, Any]]
    header_search: int = 0
    drop_rows: dict[str, Any] | None = None
    null_values: tuple[str, ...] = ()
    numbers: tuple[dict[str, str], ...] = ()
    group_by: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    path: Path | None = None

    def columns_read(self) -> list[str]:
        """Every source column the preset may read, in the order first named."""
        names: dict[str, None] = {}
        for group in self.detect:
            names.update(dict.fromkeys(group))
        for key in ("email", "id", "fallback_id"):
            value = self.identity.get(key)
            if value:
                names.update(dict.fromkeys(_as_list(value)))
        if self.group_by:
            names[self.group_by] = None
        for spec in self.tables.values():
            for column in spec.get("columns", {}).values():
                names.update(dict.fromkeys(_source_names(column)))
            for cond in spec.get("where", []):
                names.update(dict.fromkeys(_as_list(cond.get("col"))))
                if cond.get("field"):
                    names[str(cond["field"]).split(".", 1)[0]] = None
        return [n for n in names if n]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _source_names(spec: Any) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list):
        return [n for alt in spec for n in _source_names(alt)]
    if not isinstance(spec, dict):
        return []
    names = _as_list(spec.get("col")) + _as_list(spec.get("minus"))
    names += _as_list(spec.get("plus_minutes")) + _as_list(spec.get("plus_hours"))
    names += _as_list(spec.get("not_empty"))
    names += _as_list(spec.get("params_of")) + _as_list(spec.get("key"))
    if spec.get("field"):
        names.append(str(spec["field"]).split(".", 1)[0])
    for alt in [*spec.get("any_of", []), *spec.get("concat", [])]:
        names += _source_names(alt)
    return names


def _check_column_spec(where: str, spec: Any) -> None:
    if isinstance(spec, str):
        return
    if isinstance(spec, list):
        for alt in spec:
            _check_column_spec(where, alt)
        return
    if not isinstance(spec, dict):
        raise CxlensError(f"{where}: expected a column name, a list of them or a mapping.")
    unknown = set(spec) - COLUMN_KEYS
    if unknown:
        raise CxlensError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"a column may use {', '.join(sorted(COLUMN_KEYS))}."
        )
    if spec.get("agg") and spec["agg"] not in AGGREGATES:
        raise CxlensError(f"{where}: agg must be one of {', '.join(AGGREGATES)}.")
    for alt in [*spec.get("any_of", []), *spec.get("concat", [])]:
        _check_column_spec(where, alt)


def parse_preset(data: Any, path: Path | None = None) -> Preset:
    """A :class:`Preset` from the mapping read out of its YAML file, checked."""
    where = str(path) if path else "preset"
    if not isinstance(data, dict) or "name" not in data or "tables" not in data:
        raise CxlensError(f"{where}: a preset needs at least 'name', 'detect' and 'tables'.")
    detect = data.get("detect") or []
    if not detect or not all(isinstance(g, list) and g for g in detect):
        raise CxlensError(f"{where}: 'detect' must be a list of column lists.")
    tables = data["tables"]
    for table, spec in tables.items():
        if table not in TABLE_NAMES:
            raise CxlensError(
                f"{where}: '{table}' is not a canonical table ({', '.join(TABLE_NAMES)})."
            )
        for column, col_spec in (spec.get("columns") or {}).items():
            _check_column_spec(f"{where}: {table}.{column}", col_spec)
    formats = data.get("format", "csv")
    return Preset(
        name=str(data["name"]),
        title=str(data.get("title", data["name"])),
        sources=tuple(_as_list(data.get("source"))),
        formats=tuple(_as_list(formats)),
        detect=tuple(tuple(str(c) for c in g) for g in detect),
        tables={str(k): dict(v) for k, v in tables.items()},
        header_search=int(data.get("header_search", 0)),
        drop_rows=data.get("drop_rows"),
        null_values=tuple(str(v) for v in data.get("null_values", [])),
        numbers=tuple(dict(n) for n in data.get("numbers", [])),
        group_by=data.get("group_by"),
        identity=dict(data.get("identity") or {}),
        notes=str(data.get("notes", "")).strip(),
        path=path,
    )


def load_preset_file(path: Path) -> Preset:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CxlensError(f"{path}: not valid YAML: {exc}") from None
    return parse_preset(data, path)


def all_presets(workspace_root: Path | None = None) -> dict[str, Preset]:
    """The shipped presets, then the workspace's own (which replace one of the same name)."""
    files = sorted(PACKAGE_DIR.glob("*.yaml"))
    if workspace_root is not None and (workspace_root / WORKSPACE_DIR).is_dir():
        files += sorted((workspace_root / WORKSPACE_DIR).glob("*.yaml"))
    presets: dict[str, Preset] = {}
    for path in files:
        preset = load_preset_file(path)
        presets[preset.name] = preset
    return presets


def get_preset(name: str, workspace_root: Path | None = None) -> Preset:
    presets = all_presets(workspace_root)
    if name not in presets:
        raise CxlensError(
            f"Unknown preset '{name}'; the presets are: {', '.join(sorted(presets))} "
            "(cxlens import --presets lists them with their columns)."
        )
    return presets[name]


@dataclass(frozen=True)
class Detection:
    preset: Preset | None
    candidates: tuple[Preset, ...]
    header_line: int = 0


def matching_group(preset: Preset, header: list[str]) -> tuple[str, ...] | None:
    present = set(header)
    for group in preset.detect:
        if all(c in present for c in group):
            return group
    return None


def detect_preset(presets: dict[str, Preset], header: list[str]) -> list[Preset]:
    """The presets whose identifying columns are all in ``header``, best match first."""
    found = []
    for preset in presets.values():
        group = matching_group(preset, header)
        if group is not None:
            found.append((len(group), preset.name, preset))
    found.sort(key=lambda f: (-f[0], f[1]))
    return [p for _, _, p in found]

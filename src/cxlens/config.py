"""The workspace settings file, ``cxlens.toml``.

A workspace is a folder holding ``cxlens.toml`` and its data. The settings are
declared here once (``SETTINGS``), with their defaults and meaning; ``cxlens init``
writes them and the docs list them.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxlens.errors import CxlensError, WorkspaceNotFound

CONFIG_FILE = "cxlens.toml"
ENV_WORKSPACE = "CXLENS_WORKSPACE"
LANGUAGES = ("en", "et", "bg", "de", "hr", "fi")


@dataclass(frozen=True)
class Setting:
    section: str
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("workspace", "name", "cxlens", "A name for this workspace, shown in reports."),
    Setting("workspace", "currency", "EUR", "ISO 4217 code all amounts are kept in."),
    Setting("workspace", "language", "en", "Default language of output: en, et, bg, de, hr or fi."),
    Setting("workspace", "timezone", "UTC", "Time zone periods (day, week, month...) are cut in."),
    Setting(
        "warehouse",
        "url",
        "duckdb://",
        "Ibis connection URL of the analytics engine: duckdb:// (embedded) or pyspark://.",
    ),
    Setting(
        "warehouse",
        "data",
        "warehouse",
        "Folder of the canonical tables as Parquet files (relative to the workspace).",
    ),
    Setting(
        "collection",
        "url",
        "sqlite:///collection.db",
        "SQLAlchemy URL of the survey collection store (SQLite in the workspace, or PostgreSQL).",
    ),
    Setting("security", "secret_key", None, "Signs survey links and sessions. Keep it secret."),
    Setting(
        "identity",
        "emails",
        "keep",
        "E-mail addresses from preset imports: keep, or hash (only their SHA-256 is stored).",
    ),
    Setting(
        "privacy",
        "comment_retention_days",
        0,
        "Remove comments older than this many days (0 keeps them).",
    ),
    Setting(
        "privacy",
        "email_retention_days",
        0,
        "Remove the e-mail addresses of customers inactive this many days (0 keeps them).",
    ),
    Setting(
        "value",
        "margin",
        1.0,
        "Gross margin on revenue, 0…1: payback and LTV:CAC count margin (1: revenue).",
    ),
    Setting(
        "value",
        "case_overdue",
        "3d",
        "An open case counts as overdue in revenue at risk after this long.",
    ),
)


@dataclass
class Config:
    """Settings of one workspace."""

    root: Path
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, section: str, name: str) -> Any:
        sec = self.values.get(section, {})
        if name in sec:
            return sec[name]
        for s in SETTINGS:
            if s.section == section and s.name == name:
                return s.default
        raise KeyError(f"{section}.{name}")

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.values.get(name, {}))

    @property
    def currency(self) -> str:
        return str(self.get("workspace", "currency")).upper()

    @property
    def language(self) -> str:
        return str(self.get("workspace", "language"))

    @property
    def timezone(self) -> str:
        return str(self.get("workspace", "timezone"))

    @property
    def warehouse_url(self) -> str:
        return str(self.get("warehouse", "url"))

    @property
    def data_dir(self) -> Path:
        return self.resolve(str(self.get("warehouse", "data")))

    @property
    def collection_url(self) -> str:
        url = str(self.get("collection", "url"))
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            return prefix + str(self.resolve(url[len(prefix) :]))
        return url

    @property
    def hash_emails(self) -> bool:
        value = str(self.get("identity", "emails")).lower()
        if value not in ("keep", "hash"):
            raise CxlensError(
                f"{self.root / CONFIG_FILE}: [identity] emails = '{value}' must be keep or hash."
            )
        return value == "hash"

    @property
    def secret_key(self) -> str:
        key = self.get("security", "secret_key")
        if not key:
            raise CxlensError(
                f"{self.root / CONFIG_FILE} has no [security] secret_key; add one "
                "(for example the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))')."
            )
        return str(key)

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.root / p


def parse_yaml(text: str) -> Any:
    """YAML text as Python values, with PyYAML's C parser where it is built (7x faster)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def render_config(values: dict[str, dict[str, Any]]) -> str:
    """Write settings as TOML, each with its help text as a comment."""
    lines = ["# cxlens workspace settings. See `cxlens --help` and the README.", ""]
    for section in dict.fromkeys(s.section for s in SETTINGS):
        lines.append(f"[{section}]")
        for s in (s for s in SETTINGS if s.section == section):
            value = values.get(section, {}).get(s.name, s.default)
            lines.append(f"# {s.help}")
            lines.append(f"{s.name} = {_toml_value(value)}")
        extra = {
            k: v
            for k, v in values.get(section, {}).items()
            if not any(s.section == section and s.name == k for s in SETTINGS)
        }
        for k, v in extra.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    return "\n".join(lines)


def init_workspace(
    directory: Path,
    *,
    currency: str = "EUR",
    language: str = "en",
    timezone: str = "UTC",
    name: str | None = None,
    force: bool = False,
    settings: dict[str, dict[str, Any]] | None = None,
) -> Config:
    """Create a workspace folder with a fresh ``cxlens.toml`` and a new secret key; ``settings``
    (section -> name -> value) replace the defaults."""
    directory = Path(directory).expanduser().resolve()
    path = directory / CONFIG_FILE
    if path.exists() and not force:
        raise CxlensError(f"{path} already exists; this folder is a workspace already.")
    if language not in LANGUAGES:
        raise CxlensError(f"Unknown language '{language}'; choose one of {', '.join(LANGUAGES)}.")
    _check_timezone(timezone)
    directory.mkdir(parents=True, exist_ok=True)
    values: dict[str, dict[str, Any]] = {
        "workspace": {
            "name": name or directory.name,
            "currency": currency.upper(),
            "language": language,
            "timezone": timezone,
        },
        "security": {"secret_key": secrets.token_urlsafe(32)},
    }
    for section, items in (settings or {}).items():
        values.setdefault(section, {}).update(items)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(render_config(values), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    config = load_config(directory)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return config


def _check_timezone(tz: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CxlensError(
            f"Unknown time zone '{tz}'; use an IANA name such as Europe/Tallinn."
        ) from None


def find_workspace(directory: str | os.PathLike[str] | None = None) -> Path:
    """The workspace folder: the one given, else $CXLENS_WORKSPACE, else the current folder."""
    if directory is None:
        directory = os.environ.get(ENV_WORKSPACE) or Path.cwd()
    root = Path(directory).expanduser().resolve()
    if not (root / CONFIG_FILE).is_file():
        raise WorkspaceNotFound(
            f"{root} is not a cxlens workspace (no {CONFIG_FILE}). "
            f"Create one with `cxlens init {root}`, or point to one with --workspace DIR "
            f"or the {ENV_WORKSPACE} environment variable."
        )
    return root


def load_config(directory: str | os.PathLike[str] | None = None) -> Config:
    root = find_workspace(directory)
    path = root / CONFIG_FILE
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CxlensError(f"{path}: not valid TOML: {exc}") from None
    config = Config(root=root, values=values)
    if config.language not in LANGUAGES:
        raise CxlensError(
            f"{path}: [workspace] language = '{config.language}' is not one of {', '.join(LANGUAGES)}."
        )
    _check_timezone(config.timezone)
    return config

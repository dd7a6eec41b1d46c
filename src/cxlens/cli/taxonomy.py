"""``cxlens text themes --seed``: the built-in theme taxonomy copied into cxlens.toml to edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData


def seed_taxonomy(ws: WorkspaceData) -> list[str]:
    """Add every built-in theme that cxlens.toml does not define to ``[text.themes]``.

    The file is edited under the workspace's settings lock and replaced atomically,
    keeping its other sections and comments as written. Returns the themes added.
    """
    import tomlkit

    from cxlens.alerts.edit import _replace, _settings_lock
    from cxlens.config import CONFIG_FILE
    from cxlens.text.taxonomy import builtin_themes

    path = ws.root / CONFIG_FILE
    with _settings_lock(ws):
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
        text = document.setdefault("text", tomlkit.table())
        themes = text.setdefault("themes", tomlkit.table(is_super_table=True))
        added = []
        for name, langs in builtin_themes().items():
            if name in themes:
                continue
            table = tomlkit.table()
            for lang, keywords in langs.items():
                table[lang] = list(keywords)
            themes[name] = table
            added.append(name)
        if added:
            _replace(path, tomlkit.dumps(document))
    return added

"""The package's metadata installs without setuptools' deprecation warnings."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_the_licence_is_an_spdx_expression():
    # a TOML table ({text = ...}) makes setuptools warn on every install (make setup)
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"
    # setuptools reads SPDX expressions from version 77 on
    assert "setuptools>=77" in project["build-system"]["requires"]

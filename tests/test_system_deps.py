"""scripts/system-deps.sh, run on a machine where the package manager cannot install:
setup names what is missing and why, and goes on; the tests' strict run stops."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-deps.sh"
#: the commands the script itself uses, and nothing it looks for
TOOLS = ("bash", "date", "id", "ls", "sleep", "cat", "env")


@pytest.fixture
def machine(tmp_path):
    """A PATH with the basic tools and an apt-get that always finds the lock taken."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    apt = bin_dir / "apt-get"
    apt.write_text(
        "#!/bin/bash\necho 'E: Could not get lock /var/lib/dpkg/lock-frontend' >&2\n"
        'echo "$@" >> "${0%/*}/apt-calls"\nexit 100\n'
    )
    apt.chmod(0o755)
    return bin_dir


def _run(bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(bin_dir), "APT_WAIT": "0", "HOME": os.environ.get("HOME", "/root")}
    return subprocess.run(
        [str(bin_dir / "bash"), str(SCRIPT), *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.skipif(os.geteuid() != 0, reason="the script runs apt-get without sudo as root")
def test_a_locked_package_manager_is_waited_for_then_named_and_setup_goes_on(machine):
    done = _run(machine)
    assert done.returncode == 0, done.stderr
    assert "could not install these system packages" in done.stderr
    assert "chromium: needed for PDF reports" in done.stderr
    assert "Setup goes on without them" in done.stderr
    # it asked apt-get to wait for the lock
    assert "DPkg::Lock::Timeout=0" in (machine / "apt-calls").read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="the script runs apt-get without sudo as root")
def test_the_tests_strict_run_stops_when_packages_are_missing(machine):
    done = _run(machine, "--strict")
    assert done.returncode == 1
    assert "The tests need them" in done.stderr

"""`cxlens serve` on a port another server holds: one clear message, before anything starts."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

import cxlens
from cxlens.cli import app


def test_serve_refuses_a_port_in_use_before_saying_it_serves(tmp_path):
    cxlens.init(tmp_path / "ws")
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = CliRunner().invoke(
            app, ["serve", "--port", str(port), "--no-schedule", "-w", str(tmp_path / "ws")]
        )
    assert result.exit_code == 1, result.output
    assert f"Port {port} on 127.0.0.1 is in use" in result.output
    assert "--port" in result.output and "serves" not in result.output


def test_a_free_port_passes_the_check():
    from cxlens.cli.collect import _check_port_free

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _check_port_free("127.0.0.1", port)  # no exit

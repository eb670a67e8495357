"""`collabsim app`: bad input is one clear line, exit code 2; the server settings stay offline."""

from __future__ import annotations

import socket

import pytest

from collabsim.apps.classroom_assets import ASSETS, cache_dir, missing
from collabsim.cli import main
from collabsim.cli.classroom import DEAD_CDN, offline_env, server_command


def _one_error_line(capsys, *args: str) -> str:
    """Run `collabsim app ARGS` through the command line's one error path; its single line."""
    with pytest.raises(SystemExit) as ended:
        main(["app", *args])
    out = capsys.readouterr()
    assert ended.value.code == 2, out
    lines = [line for line in (out.out + out.err).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), out
    return lines[0]


def test_bad_port(capsys):
    line = _one_error_line(capsys, "--port", "70000")
    assert "--port 70000" in line


def test_port_in_use(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _one_error_line(capsys, "--port", str(port))
    assert f"127.0.0.1:{port}" in line and "--port" in line


def test_bad_host(capsys):
    line = _one_error_line(capsys, "--port", "0", "--host", "999.1.1.1")
    assert "--host '999.1.1.1': not a known address" in line


def test_missing_assets_say_how_to_fetch_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path))
    assert len(missing()) == len(ASSETS)
    line = _one_error_line(capsys, "--port", "0")
    assert "front-end assets missing" in line and "make install" in line


def test_empty_scenario_folder(tmp_path, capsys):
    line = _one_error_line(capsys, "--port", "0", "--scenarios", str(tmp_path))
    assert "no scenario files" in line


def test_server_settings_are_offline():
    env = offline_env({"HOME": "/tmp"})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env["SOLARA_ASSETS_CDN"] == DEAD_CDN
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(cache_dir())
    cmd = server_command("127.0.0.1", 8765)
    assert {"--production", "--no-check-version", "--no-open"} <= set(cmd)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"


def test_app_refuses_an_unknown_language(capsys):
    line = _one_error_line(capsys, "--lang", "fr")
    assert "choose one of en, nl" in line

"""The command line: --help, flags -> SimulatorConfig, the start banner, a real start."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import sys

import aiohttp
import pytest

from psa_simulator import STATE, create_app
from psa_simulator.cli import banner, build_parser, config_from_args, main
from psa_simulator.testing import SimulatorControl, free_port

ROOT = Path(__file__).resolve().parents[2]


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    config = config_from_args(args)
    assert config.scenario is None
    assert config.password_grant is True
    assert config.password_refusal == "unsupported_grant_type"
    assert config.access_token_lifetime == 3599
    assert config.code_lifetime == 300


def test_flags() -> None:
    args = build_parser().parse_args(
        [
            "--no-password-grant",
            "--password-refusal",
            "server_error",
            "--access-token-lifetime",
            "60",
            "--refresh-token-lifetime",
            "600",
            "--code-lifetime",
            "30",
            "--seed",
            "9",
            "--latency-ms",
            "20",
            "--error-rate",
            "0.1",
            "--unauthorized-rate",
            "0.2",
            "--malformed-rate",
            "0.3",
            "--drop-rate",
            "0.4",
            "--rate-limit",
            "5",
            "--faults-on-oauth",
            "--scenario",
            "x.json",
        ]
    )
    config = config_from_args(args)
    assert config.password_grant is False
    assert config.password_refusal == "server_error"
    assert (config.access_token_lifetime, config.refresh_token_lifetime) == (60, 600)
    assert (config.code_lifetime, config.seed) == (30, 9)
    faults = config.faults
    assert (faults.latency_ms, faults.error_rate, faults.unauthorized_rate) == (20, 0.1, 0.2)
    assert (faults.malformed_rate, faults.drop_rate, faults.rate_limit_seconds) == (0.3, 0.4, 5)
    assert faults.include_oauth is True
    assert config.scenario == Path("x.json")


def test_rates_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--error-rate", "2"])
    assert "between 0 and 1" in capsys.readouterr().err


def test_banner_shows_demo_credentials() -> None:
    text = banner("http://127.0.0.1:8765", create_app())
    assert "http://127.0.0.1:8765" in text
    for secret in ("demo@example.com", "demo-client-id", "demo-client-secret", " / demo"):
        assert secret in text
    assert "app PIN 1234" in text
    assert "http://127.0.0.1:8765/phone" in text


def test_banner_hides_scenario_secrets() -> None:
    scenario = {
        "account": {
            "brand": "opel",
            "username": "u@example.com",
            "password": "pw-not-shown",
            "client_id": "cid",
            "client_secret": "secret-not-shown",
            "pin": "9876",
        }
    }
    app = create_app(config_from_args(build_parser().parse_args(["--no-password-grant"])))
    assert "refused" in banner("http://x", app)
    from psa_simulator import SimulatorConfig

    text = banner("http://x", create_app(SimulatorConfig(scenario=scenario)))
    assert "u@example.com" in text
    assert "not-shown" not in text
    assert "9876" not in text


def test_bad_scenario_exits_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"account": {}}), encoding="utf-8")
    assert main(["--scenario", str(path)]) == 2
    assert "cannot start" in capsys.readouterr().out
    assert main(["--scenario", str(tmp_path / "missing.json")]) == 2


def test_state_key_is_exported() -> None:
    assert create_app()[STATE].account.username == "demo@example.com"


async def test_module_runs_and_prints_the_banner(socket_enabled: None) -> None:
    """``python -m psa_simulator`` starts a server that answers, then stops on SIGTERM."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "psa_simulator",
        "--port",
        str(port),
        "--mqtt-port",
        str(free_port()),  # never the default 8766, which a running scripts/develop may hold
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert f"http://127.0.0.1:{port}" in first.decode()
        async with aiohttp.ClientSession() as session:
            state = await SimulatorControl(session, f"http://127.0.0.1:{port}").state()
            assert state["account"]["username"] == "demo@example.com"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


def test_help_runs() -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--help"])
    assert exit_info.value.code == 0

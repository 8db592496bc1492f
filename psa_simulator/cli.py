"""The ``scripts/simulator`` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import json
import logging
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .app import create_app
from .config import (
    DEMO_REPLY_DELAYS,
    PASSWORD_REFUSALS,
    FaultConfig,
    ReplyDelays,
    SimulatorConfig,
)
from .const import (
    DEFAULT_ACCESS_TOKEN_LIFETIME,
    DEFAULT_CODE_LIFETIME,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_USERNAME,
)
from .remote.service import REMOTE
from .state import STATE
from .vehicles import ScenarioError

DEFAULT_MQTT_PORT = 8766


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Method, path and status only: query strings may carry codes or passwords."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log one request."""
        self.logger.info(
            "%s %s %s -> %s (%.1f ms)",
            request.remote,
            request.method,
            request.path,
            response.status,
            time * 1000,
        )


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return value


def _delays(text: str) -> ReplyDelays:
    try:
        accepted, forwarded, completed, asleep = (float(part) for part in text.split(","))
        delays = ReplyDelays(
            accepted=accepted, forwarded=forwarded, completed=completed, asleep_timeout=asleep
        )
        delays.validate()
    except ValueError as err:
        raise argparse.ArgumentTypeError("four seconds >= 0: A,F,C,T") from err
    return delays


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="simulator",
        description="PSA/Stellantis cloud simulator: identity server + Connected Car API v4 "
        "+ control API (/_simulator/) on one port.",
    )
    add = parser.add_argument
    add("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)")
    add("--port", type=int, default=DEFAULT_PORT, help="port to bind (default %(default)s)")
    add("--scenario", type=Path, help="JSON scenario file replacing the demo account")
    add(
        "--no-password-grant",
        action="store_true",
        help="refuse the password grant, as the real servers do since January 2024",
    )
    add(
        "--password-refusal",
        choices=PASSWORD_REFUSALS,
        default="unsupported_grant_type",
        help="how the password grant is refused (default %(default)s)",
    )
    add(
        "--access-token-lifetime",
        type=int,
        default=DEFAULT_ACCESS_TOKEN_LIFETIME,
        metavar="SECONDS",
        help="expires_in of access tokens (default %(default)s)",
    )
    add(
        "--refresh-token-lifetime",
        type=int,
        metavar="SECONDS",
        help="refresh tokens die after this long (default: never)",
    )
    add(
        "--code-lifetime",
        type=int,
        default=DEFAULT_CODE_LIFETIME,
        metavar="SECONDS",
        help="authorization codes expire after this long (default %(default)s)",
    )
    add("--seed", type=int, default=0, help="seed of the fault generator (default 0)")
    add(
        "--mqtt-port",
        type=int,
        default=DEFAULT_MQTT_PORT,
        metavar="PORT",
        help="port of the remote-services MQTT broker (TLS) on 127.0.0.1; 0 = no broker "
        "(default %(default)s)",
    )
    add(
        "--tls-dir",
        type=Path,
        metavar="DIR",
        help="where the broker's CA (ca.pem) and certificate are written, and kept across "
        "restarts (default: a temporary directory)",
    )
    faults = parser.add_argument_group("faults (API paths; see --faults-on-oauth)")
    fault = faults.add_argument
    fault("--latency-ms", type=float, default=0.0, help="added latency per request")
    fault("--error-rate", type=_rate, default=0.0, help="share of gateway 500s")
    fault("--unauthorized-rate", type=_rate, default=0.0, help="share of gateway 401s")
    fault("--malformed-rate", type=_rate, default=0.0, help="share of truncated JSON bodies")
    fault("--drop-rate", type=_rate, default=0.0, help="share of dropped connections")
    fault(
        "--rate-limit",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="answer 429 with Retry-After for the first SECONDS",
    )
    fault(
        "--faults-on-oauth",
        action="store_true",
        help="also inject faults on the identity server paths",
    )
    add(
        "--reply-delays",
        type=_delays,
        default=DEMO_REPLY_DELAYS,
        metavar="A,F,C,T",
        help="seconds before the cars' 900, 903/901 and 0, and before an asleep car's 300 "
        "(default 0.2,1,3,90)",
    )
    add("--log-level", default="INFO", help="logging level (default %(default)s)")
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """Turn parsed arguments into a SimulatorConfig."""
    return SimulatorConfig(
        scenario=args.scenario,
        password_grant=not args.no_password_grant,
        password_refusal=args.password_refusal,
        access_token_lifetime=args.access_token_lifetime,
        refresh_token_lifetime=args.refresh_token_lifetime,
        code_lifetime=args.code_lifetime,
        seed=args.seed,
        mqtt=args.mqtt_port != 0,
        mqtt_port=args.mqtt_port,
        tls_dir=args.tls_dir,
        reply_delays=args.reply_delays,
        faults=FaultConfig(
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            unauthorized_rate=args.unauthorized_rate,
            malformed_rate=args.malformed_rate,
            drop_rate=args.drop_rate,
            rate_limit_seconds=args.rate_limit,
            include_oauth=args.faults_on_oauth,
        ),
    )


def banner(url: str, app: web.Application) -> str:
    """What the simulator prints on start."""
    account = app[STATE].account
    lines = [
        f"PSA cloud simulator on {url}",
        f"  identity server: {url}/am/oauth2/access_token  (authorize: {url}/am/oauth2/authorize)",
        f"  API:             {url}/connectedcar/v4",
        f"  control API:     {url}/_simulator/state",
        f"  brand {account.brand.key}, country {account.country}, realm {account.brand.realm}",
    ]
    if account.username == DEMO_USERNAME and account.client_id == DEMO_CLIENT_ID:
        lines += [
            f"  demo login:      {DEMO_USERNAME} / {DEMO_PASSWORD}",
            f"  demo app:        client id {DEMO_CLIENT_ID}, secret {DEMO_CLIENT_SECRET}",
            f"  demo pairing:    app PIN {account.pin}; the SMS code shows on {url}/phone",
        ]
    else:
        lines.append(f"  scenario account: {account.username} (client id {account.client_id})")
    if not app[STATE].password_grant:
        lines.append("  password grant:  refused (use the authorization-code login)")
    service = app.get(REMOTE)
    if service is not None and service.running:
        lines += [
            f"  MQTT broker:     mqtts://127.0.0.1:{service.port}  (remote commands)",
            f"  broker CA:       {service.ca_file}",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until interrupted."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s"
    )
    # amqtt and its state machine library narrate every connection at info level.
    for name in ("amqtt", "transitions"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        app = create_app(config_from_args(args))
    except (OSError, ValueError, ScenarioError, json.JSONDecodeError) as err:
        print(f"simulator: cannot start: {err}")
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}"
    try:
        web.run_app(
            app,
            host=args.host,
            port=args.port,
            print=lambda _text: print(banner(url, app), flush=True),
            access_log_class=PathOnlyAccessLogger,
        )
    except OSError as err:  # a port taken (the API's or the broker's)
        print(f"simulator: cannot start: {err}")
        return 2
    return 0

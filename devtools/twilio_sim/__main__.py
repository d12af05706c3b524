"""CLI: ``python -m devtools.twilio_sim --port 8430 --speed 60``."""

from __future__ import annotations

import argparse

from devtools.sim_kit.cli import serve, simulator_parser
from devtools.twilio_sim.simulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_PORT,
    DEFAULT_SPEED,
    Simulator,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = simulator_parser(
        "twilio_sim",
        "Local Twilio carrier simulator (REST API 2010-04-01 subset, signed webhooks, personas, virtual clock).",
        port=DEFAULT_PORT,
    )
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument(
        "--speed",
        type=float,
        default=DEFAULT_SPEED,
        help="virtual seconds per real second (default 60: a 5-minute call lasts 5 s)",
    )
    args = parser.parse_args(argv)
    if args.speed <= 0:
        parser.error("--speed must be > 0")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sim = Simulator(account_sid=args.account_sid, auth_token=args.auth_token, speed=args.speed)
    banner = (
        f"Twilio simulator on http://{args.host}:{args.port} "
        f"(account {args.account_sid}, speed x{args.speed:g}); control API under /_sim/"
    )
    serve(sim.make_app(), args, banner)


if __name__ == "__main__":
    main()

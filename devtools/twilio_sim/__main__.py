"""CLI: ``python -m devtools.twilio_sim --port 8430 --speed 60``."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from devtools.twilio_sim.simulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_PORT,
    DEFAULT_SPEED,
    Simulator,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.twilio_sim",
        description="Local Twilio carrier simulator (REST API 2010-04-01 subset, "
        "signed webhooks, personas, virtual clock).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument(
        "--speed",
        type=float,
        default=DEFAULT_SPEED,
        help="virtual seconds per real second (default 60: a 5-minute call lasts 5 s)",
    )
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if args.speed <= 0:
        parser.error("--speed must be > 0")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    sim = Simulator(account_sid=args.account_sid, auth_token=args.auth_token, speed=args.speed)
    print(
        f"Twilio simulator on http://{args.host}:{args.port} "
        f"(account {args.account_sid}, speed x{args.speed:g}); control API under /_sim/",
        file=sys.stderr,
        flush=True,
    )
    web.run_app(sim.make_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()

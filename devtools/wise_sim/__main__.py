"""CLI: ``python -m devtools.wise_sim --port 8460 --webhook-url http://127.0.0.1:5001/wise``."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from devtools.wise_sim.simulator import (
    DEFAULT_API_TOKEN,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_PROFILE_ID,
    DEFAULT_WEBHOOK_URL,
    Simulator,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.wise_sim",
        description="Local Wise Platform API simulator: quotes, recipients, transfers, balance funding, "
        "signed transfers#state-change webhooks, faults and a virtual clock.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--api-token", default=DEFAULT_API_TOKEN, help="the one accepted bearer token")
    parser.add_argument("--profile-id", type=int, default=DEFAULT_PROFILE_ID, help="the business profile's id")
    parser.add_argument(
        "--webhook-url",
        default=DEFAULT_WEBHOOK_URL,
        help="where transfers#state-change webhooks go; empty = none until POST /_control/webhook",
    )
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if not args.api_token:
        parser.error("--api-token must not be empty")
    if args.webhook_url and not args.webhook_url.startswith(("http://", "https://")):
        parser.error("--webhook-url must be an http(s) URL or empty")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    sim = Simulator(api_token=args.api_token, profile_id=args.profile_id, webhook_url=args.webhook_url)
    print(
        f"Wise simulator on http://{args.host}:{args.port} (profile {args.profile_id}, "
        f"webhooks to {args.webhook_url or 'nowhere yet'}); control API under /_control/",
        file=sys.stderr,
        flush=True,
    )
    web.run_app(sim.make_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()

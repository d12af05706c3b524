"""CLI: ``python -m devtools.wise_sim --port 8460 --webhook-url http://127.0.0.1:5001/wise``."""

from __future__ import annotations

import argparse

from devtools.sim_kit.cli import check_webhook_url, serve, simulator_parser
from devtools.wise_sim.simulator import (
    DEFAULT_API_TOKEN,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_PROFILE_ID,
    DEFAULT_WEBHOOK_URL,
    Simulator,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = simulator_parser(
        "wise_sim",
        "Local Wise Platform API simulator: quotes, recipients, transfers, balance funding, "
        "signed transfers#state-change webhooks, faults and a virtual clock.",
        port=DEFAULT_PORT,
        host=DEFAULT_HOST,
    )
    parser.add_argument("--api-token", default=DEFAULT_API_TOKEN, help="the one accepted bearer token")
    parser.add_argument("--profile-id", type=int, default=DEFAULT_PROFILE_ID, help="the business profile's id")
    parser.add_argument(
        "--webhook-url",
        default=DEFAULT_WEBHOOK_URL,
        help="where transfers#state-change webhooks go; empty = none until POST /_control/webhook",
    )
    args = parser.parse_args(argv)
    if not args.api_token:
        parser.error("--api-token must not be empty")
    check_webhook_url(parser, args.webhook_url)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sim = Simulator(api_token=args.api_token, profile_id=args.profile_id, webhook_url=args.webhook_url)
    banner = (
        f"Wise simulator on http://{args.host}:{args.port} (profile {args.profile_id}, "
        f"webhooks to {args.webhook_url or 'nowhere yet'}); control API under /_control/"
    )
    serve(sim.make_app(), args, banner)


if __name__ == "__main__":
    main()

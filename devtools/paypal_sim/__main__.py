"""CLI: ``python -m devtools.paypal_sim --port 8450 --webhook-url http://127.0.0.1:5001/paypal``."""

from __future__ import annotations

import argparse

from devtools.paypal_sim.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WEBHOOK_ID,
    DEFAULT_WEBHOOK_URL,
    Simulator,
)
from devtools.sim_kit.cli import check_webhook_url, serve, simulator_parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = simulator_parser(
        "paypal_sim",
        "Local PayPal Payouts simulator (OAuth2, Payouts v1, signed webhooks, virtual clock).",
        port=DEFAULT_PORT,
        host=DEFAULT_HOST,
    )
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--webhook-id", default=DEFAULT_WEBHOOK_ID, help="the id webhooks are signed with")
    parser.add_argument("--webhook-url", default=DEFAULT_WEBHOOK_URL, help="listener URL; empty: no deliveries")
    parser.add_argument("--public-url", default=None, help="how clients reach the simulator (default http://HOST:PORT)")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error("--port must be in 1..65535")
    check_webhook_url(parser, args.webhook_url)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    public_url = args.public_url or f"http://{args.host}:{args.port}"
    sim = Simulator(
        client_id=args.client_id,
        client_secret=args.client_secret,
        webhook_id=args.webhook_id,
        webhook_url=args.webhook_url,
        public_url=public_url,
    )
    banner = (
        f"PayPal simulator on {public_url} (client {args.client_id}, webhook {args.webhook_id} -> "
        f"{args.webhook_url or 'no URL'}); control API under /_control/"
    )
    serve(sim.make_app(), args, banner)


if __name__ == "__main__":
    main()

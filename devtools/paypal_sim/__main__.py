"""CLI: ``python -m devtools.paypal_sim --port 8450 --webhook-url http://127.0.0.1:5001/paypal``."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from devtools.paypal_sim.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WEBHOOK_ID,
    DEFAULT_WEBHOOK_URL,
    Simulator,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.paypal_sim",
        description="Local PayPal Payouts simulator (OAuth2, Payouts v1, signed webhooks, virtual clock).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--webhook-id", default=DEFAULT_WEBHOOK_ID, help="the id webhooks are signed with")
    parser.add_argument("--webhook-url", default=DEFAULT_WEBHOOK_URL, help="listener URL; empty: no deliveries")
    parser.add_argument("--public-url", default=None, help="how clients reach the simulator (default http://HOST:PORT)")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error("--port must be in 1..65535")
    if args.webhook_url and not args.webhook_url.startswith(("http://", "https://")):
        parser.error("--webhook-url must be an http(s) URL or empty")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    public_url = args.public_url or f"http://{args.host}:{args.port}"
    sim = Simulator(
        client_id=args.client_id,
        client_secret=args.client_secret,
        webhook_id=args.webhook_id,
        webhook_url=args.webhook_url,
        public_url=public_url,
    )
    print(
        f"PayPal simulator on {public_url} (client {args.client_id}, webhook {args.webhook_id} -> "
        f"{args.webhook_url or 'no URL'}); control API under /_control/",
        file=sys.stderr,
        flush=True,
    )
    web.run_app(sim.make_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()

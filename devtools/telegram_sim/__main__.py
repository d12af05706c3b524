"""CLI: ``python -m devtools.telegram_sim --host 127.0.0.1 --port 8440
--token 123456:local-telegram-bot-token --username sos_expat_local_bot``."""

from __future__ import annotations

import argparse
import sys

from devtools.sim_kit.cli import serve, simulator_parser
from devtools.telegram_sim.delivery import DeliveryPolicy
from devtools.telegram_sim.simulator import DEFAULT_PORT, DEFAULT_TOKEN, DEFAULT_USERNAME, Simulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = simulator_parser(
        "telegram_sim",
        "Local Telegram Bot API simulator (getMe, webhooks with retries, sendMessage), "
        "with a control API under /_control that plays the users.",
        port=DEFAULT_PORT,
    )
    defaults = DeliveryPolicy()
    parser.add_argument("--token", default=DEFAULT_TOKEN, help=f"bot token (default {DEFAULT_TOKEN})")
    parser.add_argument("--username", default=DEFAULT_USERNAME, help=f"bot @username (default {DEFAULT_USERNAME})")
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=defaults.max_attempts,
        help=f"delivery attempts of one update before it is dropped (default {defaults.max_attempts})",
    )
    parser.add_argument(
        "--retry-delay",
        type=float,
        default=defaults.first_retry_delay,
        help=f"seconds before the first retry, doubled at each retry (default {defaults.first_retry_delay:g})",
    )
    parser.add_argument(
        "--max-retry-delay",
        type=float,
        default=defaults.max_retry_delay,
        help=f"longest delay between retries (default {defaults.max_retry_delay:g})",
    )
    parser.add_argument(
        "--webhook-timeout",
        type=float,
        default=defaults.request_timeout,
        help=f"seconds the webhook has to answer (default {defaults.request_timeout:g})",
    )
    return parser.parse_args(argv)


def build_simulator(args: argparse.Namespace) -> Simulator:
    """The simulator the arguments describe; ``ValueError`` for a bad token or policy."""
    policy = DeliveryPolicy(
        max_attempts=args.max_attempts,
        first_retry_delay=args.retry_delay,
        max_retry_delay=args.max_retry_delay,
        request_timeout=args.webhook_timeout,
    )
    return Simulator(token=args.token, username=args.username, policy=policy)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        sim = build_simulator(args)
    except ValueError as exc:
        sys.exit(f"telegram_sim: {exc}")
    banner = (
        f"Telegram simulator on http://{args.host}:{args.port} (bot @{args.username}); "
        f"Bot API at /bot<token>/<method>, control API under /_control/"
    )
    serve(sim.make_app(), args, banner)


if __name__ == "__main__":
    main()

"""What the simulators' command lines share: where to listen, how much to log, the webhook URL's
check, and serving the app in the foreground with a one-line banner."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web


def simulator_parser(name: str, description: str, *, port: int, host: str = "127.0.0.1") -> argparse.ArgumentParser:
    """`python -m devtools.<name>` with `--host`, `--port` and `--log-level`."""
    parser = argparse.ArgumentParser(prog=f"python -m devtools.{name}", description=description)
    parser.add_argument("--host", default=host, help=f"interface to bind (default {host})")
    parser.add_argument("--port", type=int, default=port, help=f"default {port}")
    parser.add_argument("--log-level", default="WARNING")
    return parser


def check_webhook_url(parser: argparse.ArgumentParser, url: str) -> None:
    """An http(s) URL, or empty for no deliveries."""
    if url and not url.startswith(("http://", "https://")):
        parser.error("--webhook-url must be an http(s) URL or empty")


def serve(app: web.Application, args: argparse.Namespace, banner: str) -> None:
    """Log at `--log-level`, print `banner` to stderr, serve until Ctrl-C."""
    logging.basicConfig(level=args.log_level.upper())
    print(banner, file=sys.stderr, flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)

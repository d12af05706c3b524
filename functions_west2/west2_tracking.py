"""europe-west2 tracking links: `GET /r/{code}` (or `?code=`) counts the click and redirects."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options
from flask import Request, Response

from shared.entry import wiring

TRACKING_OPTIONS: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": 0.08,  # one request at a time: the smallest CPU Cloud Run takes
    "max_instances": 5,
    "timeout_sec": 10,
}


def _address(req: Request) -> str:
    """The visitor's address: the first hop Google's front end recorded, else the peer."""
    forwarded = req.headers.get("X-Forwarded-For", "")
    return forwarded.split(",")[0].strip() or req.remote_addr or "unknown"


@https_fn.on_request(**TRACKING_OPTIONS)
def trackAffiliateClick(req: Request) -> Response:
    from shared.affiliates.services.tracking import track_click
    from shared.kernel.config import web_app_url

    if req.method not in ("GET", "HEAD"):
        return Response("method not allowed", status=405, headers={"Allow": "GET, HEAD"})
    code = req.args.get("code") or req.path.rstrip("/").rsplit("/", 1)[-1]
    tracked = track_click(
        code,
        _address(req),
        req.headers.get("User-Agent"),
        store=wiring.store(),
        clock=wiring.clock(),
        web_app=web_app_url(),
    )
    return Response(
        status=302,
        headers={"Location": tracked.location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )

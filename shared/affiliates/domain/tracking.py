"""Tracking links: `/r/{code}` counts one click per visitor and day, ignores known bots, and
sends the visitor to the web app with the code (a client code to the home page, a recruitment
code to the affiliate sign-up). A visitor is known only by a one-way key of its address and
browser, never stored as such."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from urllib.parse import urlencode

from shared.affiliates.domain.codes import CodeKind
from shared.kernel.rate_limit import RateLimit

BOTS = re.compile(
    r"bot|crawl|spider|slurp|facebookexternalhit|embedly|preview|scrape|headless|python-requests|curl|wget|"
    r"httpclient|monitor|whatsapp|telegram|discord|skype",
    re.IGNORECASE,
)
PER_ADDRESS = RateLimit(max_requests=30, window_seconds=60)
"""Clicks counted from one address per minute; beyond, the visitor is still sent on."""


def is_bot(user_agent: str | None) -> bool:
    """Known crawlers and link-preview fetchers (and no user agent at all)."""
    return not user_agent or BOTS.search(user_agent) is not None


def visitor_key(address: str, user_agent: str) -> str:
    return hashlib.sha256(f"visitor:{address}|{user_agent}".encode()).hexdigest()[:24]


def address_key(address: str) -> str:
    return hashlib.sha256(f"address:{address}".encode()).hexdigest()[:24]


def click_id(code: str, at: datetime, visitor: str) -> str:
    """One per code, visitor and UTC day."""
    return f"{code}_{at:%Y%m%d}_{visitor}"


def landing_url(web_app: str, code: str | None, kind: CodeKind | None) -> str:
    if code is None or kind is None:
        return f"{web_app}/"
    if kind is CodeKind.RECRUITMENT:
        return f"{web_app}/become-affiliate?{urlencode({'recruitmentCode': code})}"
    return f"{web_app}/?{urlencode({'ref': code})}"

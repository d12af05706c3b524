"""What the payouts webhooks answer their senders: 2xx once applied (or ignored for good), 401 to
an unsigned call, 5xx when the sender should deliver again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: dict[str, Any]

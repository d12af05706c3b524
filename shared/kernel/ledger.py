"""The ledger of applied inbound events: an event's effect and its entry are written in one
transaction, so a redelivery (or two racing deliveries) finds the entry and changes nothing.

Used for every inbound event: Stripe webhooks (by event id), Twilio call statuses (by CallSid and
status) and Firestore triggers (by the change they react to).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from shared.kernel.store import Collection, Document, Transaction

T = TypeVar("T")
LEDGER = Collection("processed_events")

ledger_path = LEDGER.doc


def apply_once(tx: Transaction, key: str, effect: Callable[[], T], *, entry: Document) -> tuple[bool, T | None]:
    """Run `effect` in the caller's transaction unless the event `key` was applied already, and
    record it with `entry`: (True, the effect's result) the first time, (False, None) after.

    The entry is read first and written last, so the effect may read (before its own writes) and
    write as a transaction requires."""
    path = ledger_path(key)
    if tx.get(path) is not None:
        return False, None
    result = effect()
    tx.create(path, entry)
    return True, result

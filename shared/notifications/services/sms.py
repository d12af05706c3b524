"""Sends a queued SMS (`sms_outbox/{id}`) through the telephony port, at most once."""

from __future__ import annotations

import logging

from shared.calls.ports.phone_vault import PhoneVault
from shared.calls.ports.telephony import Telephony, TelephonyError
from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore, Transaction

log = logging.getLogger(__name__)


def send_queued_sms(sms_id: str, *, store: DocumentStore, telephony: Telephony, vault: PhoneVault, clock: Clock) -> str:
    path = f"sms_outbox/{sms_id}"

    def claim(tx: Transaction) -> dict[str, str] | None:
        doc = tx.get(path)
        if doc is None or doc.get("status") != "queued":
            return None
        tx.update(path, {"status": "sending", "claimedAt": clock.now()})
        return {"toSealed": doc["toSealed"], "body": doc["body"]}

    message = store.run_transaction(claim)
    if message is None:
        return "skipped"
    try:
        sid = telephony.send_sms(vault.open(message["toSealed"]), message["body"])
    except TelephonyError as exc:
        log.warning("sms %s failed: %s", sms_id, exc)
        store.set(path, {"status": "failed", "error": str(exc)[:200], "failedAt": clock.now()}, merge=True)
        return "failed"
    store.set(path, {"status": "sent", "messageSid": sid, "sentAt": clock.now()}, merge=True)
    return "sent"

"""Queued notifications, written in the same transaction as the event they announce.

E-mail: documents in `mail` in the Firebase Trigger Email extension's format (`toUids`,
`template.name`, `template.data`). SMS: documents in `sms_outbox`, sent through Twilio by the
west3 `sendQueuedSms` trigger. Document ids derive from the event, so a retry queues nothing new.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import DocumentStore, Transaction

SMS_TEXT: dict[str, dict[str, str]] = {
    "call_booked": {
        "en": "SOS Expat: your call is booked. We will call you in a few minutes.",
        "fr": "SOS Expat : votre appel est réservé. Nous vous appelons dans quelques minutes.",
    },
    "provider_no_answer": {
        "en": "SOS Expat: the expert could not be reached. Your card was not charged.",
        "fr": "SOS Expat : l'expert n'a pas pu être joint. Votre carte n'a pas été débitée.",
    },
    "call_completed": {
        "en": "SOS Expat: your call has ended. Thank you.",
        "fr": "SOS Expat : votre appel est terminé. Merci.",
    },
}


def mail_queued(tx: Transaction, mail_id: str) -> bool:
    """Whether the mail of this id is queued already (read before the transaction's writes)."""
    return tx.get(f"mail/{mail_id}") is not None


def queue_mail(
    tx: Transaction, mail_id: str, *, to_uid: str, template: str, data: dict[str, Any], now: datetime
) -> None:
    tx.set(
        f"mail/{mail_id}",
        {"toUids": [to_uid], "template": {"name": template, "data": data}, "createdAt": now},
    )


def queue_sms(tx: Transaction, sms_id: str, *, to_sealed: str, template: str, language: str, now: datetime) -> None:
    texts = SMS_TEXT[template]
    tx.set(
        f"sms_outbox/{sms_id}",
        {
            "toSealed": to_sealed,
            "body": texts.get(language, texts["en"]),
            "template": template,
            "status": "queued",
            "createdAt": now,
        },
    )


def queue_admin_mail(tx: Transaction, mail_id: str, *, template: str, data: dict[str, Any], now: datetime) -> None:
    """A mail to the admins' alert address (the Trigger Email extension sends `mail/*`)."""
    from shared.kernel.config import admin_alert_email

    tx.set(
        f"mail/{mail_id}", {"to": [admin_alert_email()], "template": {"name": template, "data": data}, "createdAt": now}
    )


def mail_about(store: DocumentStore, call_session_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """The mails queued about a call session."""
    rows = store.find("mail", [("template.data.callSessionId", "==", call_session_id)], limit=limit)
    return [doc for _, doc in rows]

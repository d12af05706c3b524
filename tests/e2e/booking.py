"""Helpers for call e2e tests: providers with simulator personas, holds, bookings, the simulator."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from devtools import ports
from shared.accounts.services.provider_profiles import PRIVATE_FIELDS
from shared.calls.adapters.phone_crypto import AesGcmPhoneVault
from tests.e2e.conftest import SIM, Account, WebApp, confirm_card, wait_for

TERMINAL = ("completed", "failed", "cancelled")
DEFAULT_CLIENT_PHONE = "+33611111111"


def new_provider(db: Any, phone: str, *, language: str = "fr", provider_id: str | None = None) -> str:
    provider_id = provider_id or f"e2e_lawyer_{uuid.uuid4().hex[:10]}"
    db.document(f"sos_profiles/{provider_id}").set(
        {
            "type": "lawyer",
            "approvalStatus": "approved",
            "isVisible": True,
            "isOnline": True,
            "availability": "available",
            "languages": [language],
        }
    )
    db.document(f"sos_profiles/{provider_id}/private/account").set(
        {"phoneSealed": AesGcmPhoneVault(ports.ENCRYPTION_KEY).seal(phone)}
    )
    return provider_id


def authorized_hold(
    web: WebApp, db: Any, client: Account, provider_id: str, *, service_type: str = "lawyer_call"
) -> dict[str, Any]:
    hold = confirmed_hold(web, client, provider_id, service_type=service_type)
    ref = db.document(f"payments/{hold['paymentIntentId']}")
    wait_for(lambda: (ref.get().to_dict() or {}).get("state") == "authorized", what="hold authorised")
    return hold


PRICES = {"lawyer_call": 49, "expat_call": 19}
"""The seeded call prices in EUR (settings/pricing)."""


def create_hold(web: WebApp, client: Account, provider_id: str, *, service_type: str = "lawyer_call") -> dict[str, Any]:
    """createPaymentIntent for a call, as the web app sends it (the card not confirmed yet)."""
    created = web.call(
        "europe-west3",
        "createPaymentIntent",
        {
            "amount": PRICES[service_type],
            "currency": "eur",
            "serviceType": service_type,
            "providerId": provider_id,
            "clientId": client.uid,
            "callSessionId": f"e2e_call_{uuid.uuid4().hex[:12]}",
        },
        client,
    )
    assert created.status == 200, created.body
    hold: dict[str, Any] = created.result
    return hold


def confirmed_hold(
    web: WebApp, client: Account, provider_id: str, *, service_type: str = "lawyer_call"
) -> dict[str, Any]:
    """A hold whose card Stripe.js just confirmed: its webhook may not have landed yet."""
    hold = create_hold(web, client, provider_id, service_type=service_type)
    assert confirm_card(hold["paymentIntentId"], hold["clientSecret"])["status"] == "requires_capture"
    return hold


def schedule(
    web: WebApp,
    client: Account,
    provider_id: str,
    hold: dict[str, Any],
    client_phone: str,
    *,
    service_type: str = "lawyer_call",
) -> Any:
    return web.call(
        "europe-west1",
        "createAndScheduleCall",
        {
            "providerId": provider_id,
            "clientId": client.uid,
            "paymentIntentId": hold["paymentIntentId"],
            "clientPhone": client_phone,
            "serviceType": service_type,
            "language": "en",
        },
        client,
    )


def book(web: WebApp, db: Any, provider_phone: str, client_phone: str = DEFAULT_CLIENT_PHONE) -> dict[str, Any]:
    """A new client books a new provider (the given personas); returns ids."""
    client = web.sign_up()
    provider_id = new_provider(db, provider_phone)
    hold = authorized_hold(web, db, client, provider_id)
    scheduled = schedule(web, client, provider_id, hold, client_phone)
    assert scheduled.status == 200, scheduled.body
    return {
        "client": client,
        "providerId": provider_id,
        "paymentIntentId": hold["paymentIntentId"],
        "callSessionId": scheduled.result["callSessionId"],
    }


CALL_STEP_TIMEOUT = 420
"""How long a wait for the call's progress (connected, settled) lasts. On the Firestore emulator,
whose locks time out after 2 s, the callbacks of one session retried together can each run to
processTwilioCallback's 60 s limit for several rounds (four seen in one CI run) before one wins:
this covers five such rounds with Cloud Tasks' backoff."""


def settled_session(db: Any, call_session_id: str, timeout: float = CALL_STEP_TIMEOUT) -> dict[str, Any]:
    """The session once final and its payment settled."""
    ref = db.document(f"call_sessions/{call_session_id}")

    def done() -> dict[str, Any] | None:
        doc = ref.get().to_dict() or {}
        settled = doc.get("payment", {}).get("state") in ("captured", "released")
        return doc if doc.get("status") in TERMINAL and settled else None

    try:
        session: dict[str, Any] = wait_for(done, timeout=timeout, what=f"session {call_session_id} to settle")
    except AssertionError:
        doc = ref.get().to_dict() or {}
        seen = {k: doc.get(k) for k in ("status", "failureReason", "payment", "participants", "conference")}
        events = [e.to_dict() for e in ref.collection("conference_events").stream()]
        raise AssertionError(f"session {call_session_id} did not settle: {seen}, conference events {events}") from None
    return session


def describe(db: Any, call_session_id: str) -> dict[str, Any]:
    """What a failing assertion shows of a session."""
    doc = db.document(f"call_sessions/{call_session_id}").get().to_dict() or {}
    return {k: doc.get(k) for k in ("status", "failureReason", "payment", "participants", "connectedSeconds")}


def asked_cost(session: dict[str, Any] | None) -> dict[str, Any] | None:
    """The session's Twilio cost once Twilio was asked at least once (not the placeholder)."""
    cost: dict[str, Any] | None = (session or {}).get("twilioCost")
    return cost if cost and cost.get("checks", 0) >= 1 else None


def stripe_intent(payment_intent_id: str) -> dict[str, Any]:
    response = requests.get(
        f"http://{ports.HOST}:{ports.LOCALSTRIPE_PORT}/v1/payment_intents/{payment_intent_id}",
        auth=(ports.STRIPE_SECRET_KEY, ""),
        timeout=10,
    )
    body: dict[str, Any] = response.json()
    return body


def sim_calls(to: str | None = None) -> list[dict[str, Any]]:
    params = {"to": to} if to else {}
    calls: list[dict[str, Any]] = requests.get(f"{SIM}/_sim/calls", params=params, timeout=10).json()
    return calls


def sim_call_log(sid: str) -> dict[str, Any]:
    log: dict[str, Any] = requests.get(f"{SIM}/_sim/calls/{sid}", timeout=10).json()
    return log


def sim_configure(**settings: Any) -> None:
    requests.post(f"{SIM}/_sim/config", json=settings, timeout=10).raise_for_status()


def provider_doc(db: Any, provider_id: str) -> dict[str, Any]:
    """The provider's public and private fields together; fails when a private one is public."""
    public: dict[str, Any] = db.document(f"sos_profiles/{provider_id}").get().to_dict() or {}
    leaked = PRIVATE_FIELDS & public.keys()
    assert not leaked, f"private fields on the public profile: {sorted(leaked)}"
    return {**public, **(db.document(f"sos_profiles/{provider_id}/private/account").get().to_dict() or {})}


def calls_finished(*numbers: str) -> bool:
    final = {"completed", "busy", "no-answer", "failed", "canceled"}
    return all(call["status"] in final for number in numbers for call in sim_calls(number))

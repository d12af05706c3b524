"""`make demo`: one real booking against the running `make dev` stack, step by step.

Signs in the demo client, creates the hold, confirms the card on localstripe (as Stripe.js
would), schedules the call with `demo_lawyer`, then follows the session in Firestore and the
carrier simulator until the payment is captured or released. Exit 0 when the booking reaches
the outcome expected for the chosen personas, non-zero with the failing step otherwise.

  python -m devtools.demo [--provider-phone +33600000002] [--client-phone +33600000005]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from typing import Any

import requests

from devtools import ports
from devtools.seed import admin_app
from shared.accounts.services.provider_profiles import account_path, profile_path

AUTH = f"http://{ports.HOST}:{ports.AUTH_PORT}/identitytoolkit.googleapis.com/v1"
SIM = f"http://{ports.HOST}:{ports.TWILIO_SIM_PORT}"
STRIPE = f"http://{ports.HOST}:{ports.LOCALSTRIPE_PORT}"

NO_ANSWER = {"+33600000002", "+33600000003", "+33600000004", "+33600000007"}  # never accept: failed
TOO_SHORT = "+33600000005"  # hangs up 30 s after joining: completed, hold released


class StepFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def call(region: str, name: str, data: dict[str, Any], token: str) -> dict[str, Any]:
    response = requests.post(
        ports.function_url(region, name), json={"data": data}, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    body: dict[str, Any] = response.json()
    if response.status_code != 200:
        raise StepFailed(f"{name} answered {response.status_code}: {body}")
    result: dict[str, Any] = body["result"]
    return result


def expected_outcome(provider_phone: str, client_phone: str) -> tuple[str, str]:
    if provider_phone in NO_ANSWER or client_phone in NO_ANSWER:
        return ("failed", "released")
    if TOO_SHORT in (provider_phone, client_phone):
        return ("completed", "released")
    return ("completed", "captured")


def run(provider_phone: str, client_phone: str, timeout: float) -> int:
    from firebase_admin import firestore

    from shared.calls.adapters.phone_crypto import AesGcmPhoneVault

    db = firestore.client(admin_app())
    # Demo set-up, as an admin would: the chosen persona's number on file, provider available,
    # and the demo client's payment rate-limit window cleared so the demo can be re-run.
    db.document(profile_path("demo_lawyer")).update({"availability": "available", "isOnline": True})
    db.document(account_path("demo_lawyer")).set(
        {
            "phoneSealed": AesGcmPhoneVault(ports.ENCRYPTION_KEY).seal(provider_phone),
            "currentCallSessionId": None,
            "missedCalls": 0,
        },
        merge=True,
    )
    db.document("rate_limits/createPaymentIntent_demo_client").delete()
    signed_in = requests.post(
        f"{AUTH}/accounts:signInWithPassword?key=demo",
        json={"email": "client@demo.sos-expat.test", "password": "demo-password-1", "returnSecureToken": True},
        timeout=10,
    ).json()
    token, uid = signed_in["idToken"], signed_in["localId"]
    step(f"signed in as client@demo.sos-expat.test ({uid})")
    call_session_id = f"demo_{uuid.uuid4().hex[:12]}"
    hold = call(
        "europe-west3",
        "createPaymentIntent",
        {
            "amount": 49,
            "currency": "eur",
            "serviceType": "lawyer_call",
            "providerId": "demo_lawyer",
            "clientId": uid,
            "callSessionId": call_session_id,
        },
        token,
    )
    step(f"hold created: {hold['paymentIntentId']} for {hold['amount'] / 100:.2f} {hold['currency'].upper()}")
    confirmed = requests.post(
        f"{STRIPE}/v1/payment_intents/{hold['paymentIntentId']}/confirm",
        data={"payment_method": "pm_card_visa", "client_secret": hold["clientSecret"]},
        auth=(ports.STRIPE_SECRET_KEY, ""),
        timeout=10,
    ).json()
    step(f"card confirmed on localstripe: {confirmed.get('status')}")
    payment_ref = db.document(f"payments/{hold['paymentIntentId']}")
    wait(lambda: (payment_ref.get().to_dict() or {}).get("state") == "authorized", 20, "hold authorised by webhook")
    step("stripe webhook: payment authorized")
    scheduled = call(
        "europe-west1",
        "createAndScheduleCall",
        {
            "providerId": "demo_lawyer",
            "clientId": uid,
            "paymentIntentId": hold["paymentIntentId"],
            "clientPhone": client_phone,
            "serviceType": "lawyer_call",
            "language": "fr",
        },
        token,
    )
    step(f"call scheduled: session {scheduled['callSessionId']} (status {scheduled['status']})")
    return follow(db, scheduled["callSessionId"], expected_outcome(provider_phone, client_phone), timeout)


def follow(db: Any, call_session_id: str, expected: tuple[str, str], timeout: float) -> int:
    ref = db.document(f"call_sessions/{call_session_id}")
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = ref.get().to_dict() or {}
        events = [e.to_dict() for e in ref.collection("conference_events").order_by("__name__").stream()]
        for line in describe(doc, events):
            if line not in seen:
                seen.add(line)
                step(line)
        payment_state = doc.get("payment", {}).get("state")
        if doc.get("status") in ("completed", "failed", "cancelled") and payment_state in ("captured", "released"):
            provider = db.document(profile_path(doc["providerId"])).get().to_dict() or {}
            step(f"provider {doc['providerId']} is {provider.get('availability')}")
            if (doc["status"], payment_state) != expected:
                step(f"FAILED: expected {expected}, got {(doc['status'], payment_state)}")
                return 1
            step(f"done: session {call_session_id} {doc['status']}, payment {payment_state}")
            return 0
        time.sleep(0.3)
    step(f"FAILED: session {call_session_id} did not finish in {timeout:.0f}s")
    return 1


STATES = {
    "dialing": "task fired, dialling",
    "ringing": "ringing",
    "accepted": "pressed 1",
    "declined": "declined",
    "no_answer": "did not answer",
    "dial_failed": "could not be dialled (Twilio error)",
}


def describe(doc: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    lines = [f"session status: {doc.get('status')}"]
    for party in ("provider", "client"):
        participant = doc.get("participants", {}).get(party, {})
        if participant.get("attempt"):
            state = STATES.get(participant.get("state", ""), participant.get("state"))
            lines.append(f"{party} (attempt {participant['attempt']}): {state}")
    roles = {doc.get("participants", {}).get(p, {}).get("callSid"): p for p in ("provider", "client")}
    for number, event in enumerate(events, start=1):
        who = roles.get(event.get("callSid"), "")
        lines.append(f"conference #{number}: {event['event']} {who}".rstrip())
    if "connectedSeconds" in doc:
        lines.append(f"conference ended after {doc['connectedSeconds'] // 60} min {doc['connectedSeconds'] % 60} s")
    payment = doc.get("payment", {})
    if payment.get("state") == "captured":
        lines.append(f"payment captured {payment.get('capturedAmount', 0) / 100:.2f} {doc.get('currency', '').upper()}")
    elif payment.get("state") in ("released", "failed"):
        lines.append(f"payment {payment['state']}")
    if doc.get("failureReason"):
        lines.append(f"failure reason: {doc['failureReason']}")
    return lines


def wait(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise StepFailed(f"timed out waiting for {what}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider-phone", default="+33600000001", help="simulator persona of the provider")
    parser.add_argument("--client-phone", default="+33611111111", help="simulator persona of the client")
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args(argv)
    try:
        return run(args.provider_phone, args.client_phone, args.timeout)
    except StepFailed as exc:
        step(f"FAILED: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

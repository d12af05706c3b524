"""Firestore reads/writes/transactions of one completed booking, step by step.

Runs the real services in-process on a private Firestore emulator and localstripe (free ports,
stopped with their process groups), with recording telephony and task fakes. A call-status or
conference callback goes the way it goes deployed: its webhook stores it (`twilio_inbox.receive`)
and enqueues `processTwilioCallback`, whose run (`twilio_inbox.process`) applies it and performs
its follow-ups through the `FollowUps` of the west3 wiring: settlement and the call's cost
included. The two callables first read `users/{uid}` as `run_callable` does (a disabled account
is refused). The store caches nothing, as deployed: every step reads the `settings/*` documents
it needs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime
from functools import partial
from typing import Any, TypeVar

import requests

from devtools import bench_commissions
from devtools.bench_stack import (
    PROJECT,
    BenchFailed,
    Meter,
    RecordingTasks,
    RecordingTelephony,
    firestore_store,
    servers,
)
from shared.accounts.services.admin_users import ensure_enabled
from shared.accounts.services.provider_profiles import write_profile
from shared.calls.adapters.phone_crypto import AesGcmPhoneVault
from shared.calls.adapters.session_repository import session_path
from shared.calls.services import twilio_callbacks, twilio_inbox
from shared.calls.services.commands import CreateAndScheduleCallCommand
from shared.calls.services.costs import record_call_costs
from shared.calls.services.dialing import DialTask, execute_dial
from shared.calls.services.follow_ups import FollowUps
from shared.calls.services.scheduling import create_and_schedule_call
from shared.calls.services.sessions import CallbackUrls
from shared.calls.services.settlement import settle_session
from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS
from shared.kernel.adapters.firestore_store import FirestoreDocumentStore
from shared.kernel.clock import SystemClock
from shared.kernel.commands import Caller, parse_command
from shared.payments.adapters.stripe_gateway import StripePaymentGateway, StripeWebhookVerifier
from shared.payments.domain.pricing import DEFAULT_PRICING
from shared.payments.services.commands import CreatePaymentIntentCommand
from shared.payments.services.intents import create_payment_intent
from shared.payments.services.stripe_webhook import handle_stripe_webhook, sdk_api_version

T = TypeVar("T")
STRIPE_KEY = "sk_test_bench"
WEBHOOK_SECRET = "whsec_bench"
PHONE_KEY = "YmVuY2gtb25seS1zb3MtZXhwYXQtcGhvbmUta2V5ISE="  # 32 bytes, bench only
PROVIDER, CLIENT_ID, SESSION = "bench_lawyer", "bench_client", "bench_session_1"
CLIENT = Caller(CLIENT_ID, {"role": "client"})


def signed_event(intent: dict[str, Any]) -> tuple[bytes, str]:
    now = int(time.time())
    event = {
        "id": f"evt_bench_{intent['id']}",
        "object": "event",
        "type": "payment_intent.amount_capturable_updated",
        "api_version": sdk_api_version(),
        "created": now,
        "data": {"object": intent},
    }
    payload = json.dumps(event).encode()
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{now}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={now},v1={digest}"


def booking(store: FirestoreDocumentStore, stripe_url: str) -> Meter:
    vault, clock = AesGcmPhoneVault(PHONE_KEY), SystemClock()
    gateway = StripePaymentGateway(STRIPE_KEY, api_base=stripe_url)
    telephony, tasks = RecordingTelephony(), RecordingTasks()
    urls = CallbackUrls(f"https://europe-west3-{PROJECT}.cloudfunctions.net")
    settlements: list[tuple[str, str]] = []
    store.set("settings/pricing", DEFAULT_PRICING.to_document())
    profile = {"type": "lawyer", "approvalStatus": "approved", "isVisible": True, "languages": ["fr"]}
    write_profile(store, PROVIDER, {**profile, "phoneSealed": vault.seal("+33600000001")})
    bench_commissions.refer_through_three_levels(store, CLIENT, clock)
    meter = Meter(store)

    def signed_in(service: Callable[..., T], cmd: Any, caller: Caller, **ports: Any) -> T:
        ensure_enabled(store, caller.uid)  # what run_callable does before every signed-in callable
        return service(cmd, caller, store=store, clock=clock, **ports)

    def settle(call_session_id: str) -> None:
        state = settle_session(call_session_id, store=store, gateway=gateway, clock=clock)
        settlements.append((call_session_id, state))

    follow_ups = FollowUps(
        store=store,
        tasks=tasks,
        telephony=telephony,
        settle=settle,
        record_costs=partial(record_call_costs, store=store, telephony=telephony),
    )

    def carry(result: twilio_callbacks.CallbackResult) -> None:
        follow_ups.perform(result, SESSION)

    booking = {"amount": 49, "currency": "eur", "serviceType": "lawyer_call", "providerId": PROVIDER}
    cmd = parse_command(CreatePaymentIntentCommand, {**booking, "clientId": CLIENT_ID, "callSessionId": SESSION})
    hold = meter.run("createPaymentIntent", lambda: signed_in(create_payment_intent, cmd, CLIENT, gateway=gateway))
    confirmed = requests.post(
        f"{stripe_url}/v1/payment_intents/{hold.payment_intent_id}/confirm",
        data={"payment_method": "pm_card_visa", "client_secret": hold.client_secret},
        auth=(STRIPE_KEY, ""),
        timeout=10,
    )
    confirmed.raise_for_status()
    payload, signature = signed_event(confirmed.json())
    verifier = StripeWebhookVerifier(WEBHOOK_SECRET)
    response = meter.run(
        "stripeWebhook amount_capturable_updated",
        lambda: handle_stripe_webhook(
            payload, signature, verifier=verifier, store=store, clock=clock, handlers=STRIPE_EVENT_HANDLERS
        ),
    )
    if response.status != 200 or response.body.get("duplicate") is not False:
        raise BenchFailed(f"stripeWebhook answered {response.status} {response.body}")

    schedule = {
        "providerId": PROVIDER,
        "clientId": CLIENT_ID,
        "paymentIntentId": hold.payment_intent_id,
        "clientPhone": "+33600000009",
        "serviceType": "lawyer_call",
        "language": "fr",
    }
    scheduled = parse_command(CreateAndScheduleCallCommand, schedule)
    meter.run(
        "createAndScheduleCall",
        lambda: signed_in(create_and_schedule_call, scheduled, CLIENT, vault=vault, tasks=tasks, gateway=gateway),
    )

    dial = partial(
        execute_dial,
        store=store,
        telephony=telephony,
        vault=vault,
        tasks=tasks,
        clock=clock,
        urls=urls,
        settle=settle,
    )

    def dial_and_accept(party: str) -> str:
        task = DialTask.parse(tasks.take())
        outcome = meter.run(f"executeScheduledCall ({party})", partial(dial, task))
        if outcome != "dialed" or task.party.value != party:
            raise BenchFailed(f"dial of the {party} (task {task}) gave {outcome}")
        sid = telephony.calls[-1][1]
        meter.run(f"answer ({party})", lambda: twilio_callbacks.answer(SESSION, party, 1, store=store, urls=urls))
        meter.run(
            f"gather Digits=1 ({party})",
            lambda: carry(
                twilio_callbacks.gather(SESSION, party, 1, sid, "1", store=store, urls=urls, now=clock.now())
            ),
        )
        return sid

    def stored_then_applied(kind: str, party: str, attempt: int, params: dict[str, str]) -> None:
        """The webhook stores the callback, then its processTwilioCallback task applies it."""
        found = twilio_inbox.receive(kind, SESSION, party, attempt, params, store=store, tasks=tasks, now=clock.now())
        if found is None or tasks.take(twilio_inbox.PROCESS_FUNCTION) != found.task_payload():
            raise BenchFailed(f"the {kind} callback {params} was not stored and enqueued")
        outcome = twilio_inbox.process(found, store=store, telephony=telephony, clock=clock, follow_ups=follow_ups)
        if outcome != "applied":
            raise BenchFailed(f"processTwilioCallback {found.callback_id} gave {outcome}")

    def conference(params: dict[str, str]) -> None:
        stored_then_applied(twilio_inbox.CONFERENCE, "", 0, params)

    def call_status(party: str, params: dict[str, str]) -> None:
        stored_then_applied(twilio_inbox.CALL_STATUS, party, 1, params)

    provider_sid, client_sid = dial_and_accept("provider"), dial_and_accept("client")
    start = clock.now().replace(microsecond=0)
    events = [
        ("participant-join", provider_sid),
        ("conference-start", None),
        ("participant-join", client_sid),
        ("participant-leave", client_sid),
        ("participant-leave", provider_sid),
        ("conference-end", None),
    ]
    for seq, (name, sid) in enumerate(events, start=1):
        params = {
            "StatusCallbackEvent": name,
            "ConferenceSid": f"CF{1:032x}",
            "SequenceNumber": str(seq),
            "Timestamp": format_datetime(start + timedelta(minutes=5 * (seq - 1)), usegmt=True),
            **({"CallSid": sid} if sid else {}),
        }
        then = " + settlement, cost" if name == "conference-end" else ""
        meter.run(f"conference {name} (seq {seq}){then}", partial(conference, params))
    if settlements != [(SESSION, "captured")]:
        raise BenchFailed(f"conference-end's follow-up settled {settlements}")
    for party, sid, duration in (("provider", provider_sid, 1200), ("client", client_sid, 300)):
        status = {"CallSid": sid, "CallStatus": "completed", "CallDuration": str(duration)}
        meter.run(f"call status completed ({party})", partial(call_status, party, status))
    return meter


def run() -> int:
    print("== Firestore operations per completed booking (real services, Firestore emulator, localstripe) ==")
    with servers() as (firestore_host, stripe_url):
        store = firestore_store(firestore_host)
        try:
            meter = booking(store, stripe_url)
        except BenchFailed as exc:
            print(f"FAILED: {exc}")
            return 1
        meter.print_table()
        session = store.get(session_path(SESSION)) or {}
        print()
        print("== What one capture adds for three levels of commissions (goal <= 8 writes) ==")
        earned = Meter(store)
        try:
            bench_commissions.earn(store, earned.run)
        except bench_commissions.BenchFailed as exc:
            print(f"FAILED: {exc}")
            return 1
        earned.print_table("TOTAL in onDomainEvent")
        print(f"plus 1 write in settle_session's transaction (the event): {earned.rows[0][2] + 1} writes in all")
    status, payment = session.get("status"), session.get("payment", {}).get("state")
    print(f"session {SESSION}: status={status} payment.state={payment}")
    if status != "completed" or payment != "captured":
        print("FAILED: the booking did not end completed with its payment captured")
        return 1
    return 0

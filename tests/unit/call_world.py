"""A booking driven by hand through the call services, as Cloud Tasks and Twilio would drive it.

Typed fakes of the telephony and task ports (the plain fakes of `tests.fakes` do not declare
the ports), a real AES-GCM phone vault, and a Stripe fake that fails when called inside a
transaction.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.calls.adapters.phone_crypto import AesGcmPhoneVault
from shared.calls.domain.call_script import CallScript
from shared.calls.domain.settings import CallSettings
from shared.calls.ports.telephony import DialRequest, Telephony, TelephonyError
from shared.calls.services import twilio_callbacks as twilio
from shared.calls.services.commands import CreateAndScheduleCallCommand
from shared.calls.services.dialing import DialTask, execute_dial
from shared.calls.services.follow_ups import FollowUps
from shared.calls.services.scheduling import (
    EXECUTE_CALL_FUNCTION,
    ScheduledCall,
    call_task_id,
    create_and_schedule_call,
)
from shared.calls.services.sessions import CallbackUrls
from shared.calls.services.settlement import settle_session
from shared.kernel.commands import Caller, parse_command
from shared.kernel.money import Currency, Money
from shared.kernel.tasks import TaskScheduler
from shared.payments.domain.pricing import DEFAULT_PRICING
from shared.payments.ports.payments import HoldRequest
from tests.fakes import FakeClock, FakeTasks, FakeTelephony, InMemoryStore, TransactionGuardedGateway
from tests.unit.profiles import profile_view, set_profile

KEY = base64.b64encode(bytes(range(32))).decode()
PROVIDER = "lawyer1"
PROVIDER_PHONE = "+33612345678"
CLIENT_PHONE = "+4915123456789"
BASE_URL = "https://europe-west3-demo.cloudfunctions.net"
CONFERENCE_SID = "CF0000000000000000000000000000000a"


@dataclass
class Carrier(FakeTelephony, Telephony):
    """FakeTelephony declared as the Telephony port; hang-ups and SMS can fail too."""

    hang_up_failures: int = 0
    sms_failures: int = 0

    def place_call(self, request: DialRequest) -> str:
        return super().place_call(request)

    def hang_up(self, call_sid: str) -> None:
        if self.hang_up_failures:
            self.hang_up_failures -= 1
            raise TelephonyError("twilio is down", retryable=True)
        super().hang_up(call_sid)

    def send_sms(self, to: str, body: str) -> str:
        if self.sms_failures:
            self.sms_failures -= 1
            raise TelephonyError("21211 invalid 'To' number", retryable=False)
        return super().send_sms(to, body)


@dataclass
class Queue(FakeTasks, TaskScheduler):
    """FakeTasks declared as the TaskScheduler port."""

    def delay(self, task_id: str) -> int:
        return self.tasks[task_id][2]


def rfc2822(at: datetime) -> str:
    """A Twilio `Timestamp` parameter, e.g. `Sun, 22 Nov 2026 09:05:00 +0000`."""
    return at.strftime("%a, %d %b %Y %H:%M:%S +0000")


class CallWorld:
    def __init__(self, *, calls: dict[str, Any] | None = None, provider: dict[str, Any] | None = None) -> None:
        self.store = InMemoryStore()
        self.clock = FakeClock()
        self.gateway = TransactionGuardedGateway(store=self.store)
        self.telephony = Carrier()
        self.tasks = Queue()
        self.vault = AesGcmPhoneVault(KEY)
        self.urls = CallbackUrls(BASE_URL)
        self.settled: list[str] = []
        self.store.set("settings/pricing", DEFAULT_PRICING.to_document())
        if calls is not None:
            self.store.set("settings/calls", calls)
        set_profile(
            self.store,
            PROVIDER,
            {
                "type": "lawyer",
                "approvalStatus": "approved",
                "isVisible": True,
                "availability": "available",
                "languages": ["de", "en"],
                "phoneSealed": self.vault.seal(PROVIDER_PHONE),
                **(provider or {}),
            },
        )

    def fork(self) -> CallWorld:
        """An independent copy of this world (store, Stripe, carrier, queue) to replay from here."""
        twin = copy.copy(self)
        twin.store = InMemoryStore()
        twin.store.docs, twin.store.versions = copy.deepcopy(self.store.docs), dict(self.store.versions)
        twin.clock = FakeClock(self.clock.now())
        twin.gateway = TransactionGuardedGateway(
            holds=dict(self.gateway.holds), settlements=list(self.gateway.settlements), store=twin.store
        )
        twin.telephony, twin.tasks = copy.deepcopy(self.telephony), copy.deepcopy(self.tasks)
        twin.settled = list(self.settled)
        return twin

    @property
    def settings(self) -> CallSettings:
        return CallSettings.from_document(self.store.get("settings/calls"))

    # --- booking -------------------------------------------------------------------------------

    def pay(self, call_session_id: str = "s1", client_id: str = "client1", **extra: Any) -> str:
        """An authorised hold (Stripe status requires_capture) and its `payments` document."""
        hold = self.gateway.create_hold(
            HoldRequest(Money(4900, Currency.EUR), {"callSessionId": call_session_id}, f"hold:{call_session_id}")
        )
        self.gateway.authorize(hold.id)
        self.store.set(
            f"payments/{hold.id}",
            {
                "paymentIntentId": hold.id,
                "callSessionId": call_session_id,
                "clientId": client_id,
                "providerId": PROVIDER,
                "serviceType": "lawyer_call",
                "amount": 4900,
                "currency": "eur",
                "platformFee": 1900,
                "state": "authorized",
                **extra,
            },
        )
        return hold.id

    def command(self, payment_id: str, client_id: str = "client1", **overrides: Any) -> CreateAndScheduleCallCommand:
        data = {
            "providerId": PROVIDER,
            "clientId": client_id,
            "paymentIntentId": payment_id,
            "clientPhone": CLIENT_PHONE,
            "serviceType": "lawyer_call",
            "language": "fr",
            **overrides,
        }
        return parse_command(CreateAndScheduleCallCommand, data)

    def schedule(self, cmd: CreateAndScheduleCallCommand, caller: Caller | None) -> ScheduledCall:
        return create_and_schedule_call(
            cmd, caller, store=self.store, vault=self.vault, tasks=self.tasks, clock=self.clock, gateway=self.gateway
        )

    def book(self, call_session_id: str = "s1", client_id: str = "client1") -> str:
        self.schedule(
            self.command(self.pay(call_session_id, client_id), client_id), Caller(client_id, {"role": "client"})
        )
        return call_session_id

    # --- Cloud Tasks -----------------------------------------------------------------------------

    def settle(self, call_session_id: str) -> str:
        assert not self.store.in_transaction, "settle called inside a transaction"
        self.settled.append(call_session_id)
        return settle_session(call_session_id, store=self.store, gateway=self.gateway, clock=self.clock)

    def run_task(self, task_id: str) -> str:
        function, payload, _ = self.tasks.tasks[task_id]
        assert function == EXECUTE_CALL_FUNCTION
        return execute_dial(
            DialTask.parse(copy.deepcopy(payload)),
            store=self.store,
            telephony=self.telephony,
            vault=self.vault,
            tasks=self.tasks,
            clock=self.clock,
            urls=self.urls,
            settle=self.settle,
        )

    def dial(self, sid: str, party: str, attempt: int = 1) -> str:
        return self.run_task(call_task_id(sid, party, attempt))

    # --- Twilio ------------------------------------------------------------------------------------

    def call_sid(self, sid: str, party: str) -> str:
        return str(self.session(sid)["participants"][party]["callSid"])

    def answer(self, sid: str, party: str, attempt: int = 1) -> CallScript:
        return twilio.answer(sid, party, attempt, store=self.store, urls=self.urls)

    @property
    def follow_ups(self) -> FollowUps:
        return FollowUps(store=self.store, tasks=self.tasks, telephony=self.telephony, settle=self.settle)

    def perform_follow_ups(self, result: twilio.CallbackResult, sid: str) -> twilio.CallbackResult:
        self.follow_ups.perform(result, sid)
        return result

    def press(self, sid: str, party: str, digits: str = "1", attempt: int = 1) -> twilio.CallbackResult:
        call_sid = self.call_sid(sid, party)
        result = twilio.gather(
            sid, party, attempt, call_sid, digits, store=self.store, urls=self.urls, now=self.clock.now()
        )
        return self.perform_follow_ups(result, sid)

    def ends(self, sid: str, party: str, status: str = "completed", attempt: int = 1) -> twilio.CallbackResult:
        """The final call-status callback of one party's call."""
        params = {"CallSid": self.call_sid(sid, party), "CallStatus": status, "CallDuration": "0"}
        result = twilio.call_status(sid, party, attempt, params, store=self.store, now=self.clock.now())
        return self.perform_follow_ups(result, sid)

    def machine(self, sid: str, party: str, answered_by: str, attempt: int = 1) -> twilio.CallbackResult:
        call_sid = self.call_sid(sid, party)
        result = twilio.machine_detected(sid, party, attempt, call_sid, answered_by, store=self.store)
        return self.perform_follow_ups(result, sid)

    def conference(self, sid: str, event: tuple[int, str, datetime, str | None]) -> twilio.CallbackResult:
        sequence, name, at, call_sid = event
        params = {
            "ConferenceSid": CONFERENCE_SID,
            "FriendlyName": sid,
            "StatusCallbackEvent": name,
            "SequenceNumber": str(sequence),
            "Timestamp": rfc2822(at),
            **({"CallSid": call_sid} if call_sid else {}),
        }
        result = twilio.conference_event(sid, params, store=self.store, now=self.clock.now())
        return self.perform_follow_ups(result, sid)

    def talk_events(self, sid: str, seconds: int) -> list[tuple[int, str, datetime, str | None]]:
        """Twilio's events of a conference where both talk `seconds`, then the client hangs up."""
        start = self.clock.now() + timedelta(seconds=5)
        provider, client = self.call_sid(sid, "provider"), self.call_sid(sid, "client")
        end = start + timedelta(seconds=seconds)
        return [
            (1, "participant-join", start - timedelta(seconds=4), provider),
            (2, "participant-join", start, client),
            (3, "conference-start", start, None),
            (4, "participant-leave", end, client),
            (5, "conference-end", end, None),
            (6, "participant-leave", end, provider),
        ]

    def provider_accepts(self, sid: str) -> None:
        assert self.dial(sid, "provider") == "dialed"
        self.answer(sid, "provider")
        assert self.press(sid, "provider").next_dial is not None

    def connect(self, sid: str) -> None:
        """Provider picks up and presses 1, then the client does: both are on their way in."""
        self.provider_accepts(sid)
        assert self.dial(sid, "client") == "dialed"
        self.answer(sid, "client")
        self.press(sid, "client")

    # --- reading -------------------------------------------------------------------------------------

    def session(self, sid: str = "s1") -> dict[str, Any]:
        doc = self.store.get(f"call_sessions/{sid}")
        assert doc is not None, sid
        return doc

    def provider(self, uid: str = PROVIDER) -> dict[str, Any]:
        doc = profile_view(self.store, uid)
        assert doc is not None
        return doc

    def hold_status(self, sid: str = "s1") -> str:
        return self.gateway.holds[self.session(sid)["paymentIntentId"]].status

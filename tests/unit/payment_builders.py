"""Builders of `payments` and `call_sessions` documents for the recovery, metrics and health tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.calls.services.payment_recovery import RecoveryReport, recover_stuck_payments
from shared.calls.services.settlement import settle_session
from shared.kernel.money import Currency, Money
from shared.payments.ports.payments import HoldRequest
from tests.fakes import FakeClock, FakeTelephony, InMemoryStore, TransactionGuardedGateway
from tests.unit.profiles import set_profile

PROVIDER = "prov1"


class PaymentWorld:
    """A store, a clock and a Stripe fake that refuses calls made inside a transaction."""

    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store or InMemoryStore()
        self.clock = FakeClock()
        self.gateway = TransactionGuardedGateway(store=self.store)
        self.telephony = FakeTelephony()
        self.settled: list[str] = []
        set_profile(self.store, PROVIDER, {"availability": "available", "currentCallSessionId": None})

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def ago(self, **delta: float) -> datetime:
        return self.now - timedelta(**delta)

    def hold(self, call_session_id: str, *, amount: int = 4900, currency: str = "eur", authorized: bool = True) -> str:
        """A hold in the Stripe fake (capturable when `authorized`), returning its id."""
        hold = self.gateway.create_hold(
            HoldRequest(
                Money(amount, Currency(currency)), {"callSessionId": call_session_id}, f"hold:{call_session_id}"
            )
        )
        if authorized:
            self.gateway.authorize(hold.id)
        return hold.id

    def payment(
        self,
        call_session_id: str,
        *,
        state: str = "authorized",
        created: datetime | None = None,
        amount: int = 4900,
        currency: str = "eur",
        **extra: Any,
    ) -> str:
        """A hold in Stripe and its `payments` document; returns the PaymentIntent id."""
        payment_id = self.hold(call_session_id, amount=amount, currency=currency, authorized=state == "authorized")
        created = created or self.ago(hours=3)
        self.store.set(
            f"payments/{payment_id}",
            {
                "paymentIntentId": payment_id,
                "callSessionId": call_session_id,
                "clientId": "client1",
                "providerId": PROVIDER,
                "amount": amount,
                "currency": currency,
                "platformFee": 900,
                "state": state,
                "status": "requires_capture" if state == "authorized" else "requires_payment_method",
                "createdAt": created,
                "updatedAt": created,
                **({"authorizedAt": created} if state == "authorized" else {}),
                **extra,
            },
        )
        return payment_id

    def session(
        self,
        call_session_id: str,
        payment_id: str,
        *,
        status: str,
        created: datetime | None = None,
        payment: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        """A `call_sessions` document; a non-terminal one keeps the provider busy."""
        created = created or self.ago(hours=3)
        self.store.set(
            f"call_sessions/{call_session_id}",
            {
                "clientId": "client1",
                "providerId": PROVIDER,
                "paymentIntentId": payment_id,
                "amount": 4900,
                "currency": "eur",
                "platformFee": 900,
                "status": status,
                "createdAt": created,
                "updatedAt": created,
                "scheduledFor": created,
                "clientPhoneSealed": "sealed:client1",
                "payment": payment or {"state": "authorized"},
                "paymentCaptured": False,
                **extra,
            },
        )
        if status not in ("completed", "failed", "cancelled"):
            set_profile(self.store, PROVIDER, {"availability": "busy", "currentCallSessionId": call_session_id})

    def settle(self, call_session_id: str) -> str:
        """`settle_session` bound to the ports, checking it is never run inside a transaction."""
        assert not self.store.in_transaction, "settle called inside a transaction"
        self.settled.append(call_session_id)
        return settle_session(call_session_id, store=self.store, gateway=self.gateway, clock=self.clock)

    def recover(self) -> RecoveryReport:
        return recover_stuck_payments(
            store=self.store, gateway=self.gateway, clock=self.clock, settle=self.settle, telephony=self.telephony
        )

    def doc(self, path: str) -> dict[str, Any]:
        doc = self.store.get(path)
        assert doc is not None, path
        return doc

    def snapshot(self, *, without: tuple[str, ...] = ()) -> dict[str, Any]:
        """Every document but those of the `without` collections."""
        return {p: d for p, d in self.store.docs.items() if p.split("/")[0] not in without}

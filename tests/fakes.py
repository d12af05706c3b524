"""Hand-written fakes implementing the same ports as the real adapters."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from shared.accounts.ports.directory import (
    AccountDirectory,
    DirectoryAccount,
    DirectoryError,
    EmailAlreadyUsed,
    PasswordRefused,
)
from shared.calls.ports.telephony import CallCost, CallRecord, Telephony
from shared.kernel.clock import Clock
from shared.kernel.errors import PaymentGatewayError
from shared.kernel.money import Money
from shared.kernel.store import Document, DocumentStore, Filter, Transaction
from shared.payments.ports.payments import Hold, HoldRequest, PaymentGateway, Refund, RefundRequest
from shared.subscriptions.domain.plans import BillingPeriod
from shared.subscriptions.ports.billing import (
    BillingGateway,
    CheckoutRequest,
    CheckoutSession,
    PlanChange,
    RecurringPrice,
    StripeSubscription,
    SubscriptionRequest,
)

T = TypeVar("T")


class Contention(Exception):
    pass


class DocumentAlreadyExists(Exception):
    pass


class _FakeTransaction(Transaction):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.read_versions: dict[str, int] = {}
        self.writes: list[tuple[str, str, Document, bool]] = []

    def get(self, path: str) -> Document | None:
        if self.writes:
            raise AssertionError("Firestore forbids reads after writes in a transaction")
        with self._store.lock:
            self.read_versions[path] = self._store.versions.get(path, 0)
            doc = self._store.docs.get(path)
            return copy.deepcopy(doc) if doc is not None else None

    def create(self, path: str, data: Document) -> None:
        self.writes.append(("create", path, copy.deepcopy(data), False))

    def set(self, path: str, data: Document, *, merge: bool = False) -> None:
        self.writes.append(("set", path, copy.deepcopy(data), merge))

    def update(self, path: str, data: Document) -> None:
        self.writes.append(("update", path, copy.deepcopy(data), True))


class InMemoryStore(DocumentStore):
    """Optimistic transactions like Firestore's: re-run when a document read has changed."""

    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}
        self.versions: dict[str, int] = {}
        self.lock = threading.RLock()
        self._running = threading.local()

    @property
    def in_transaction(self) -> bool:
        """True while this thread runs a transaction function (where Stripe must not be called)."""
        return bool(getattr(self._running, "depth", 0))

    def run_transaction(self, fn: Callable[[Transaction], T]) -> T:
        for _ in range(50):
            tx = _FakeTransaction(self)
            self._running.depth = getattr(self._running, "depth", 0) + 1
            try:
                result = fn(tx)
            finally:
                self._running.depth -= 1
            with self.lock:
                if any(self.versions.get(p, 0) != v for p, v in tx.read_versions.items()):
                    continue
                for kind, path, _, _ in tx.writes:
                    if kind == "create" and path in self.docs:
                        raise DocumentAlreadyExists(path)
                    if kind == "update" and path not in self.docs:
                        raise KeyError(f"update of missing document {path}")
                for kind, path, data, merge in tx.writes:
                    self._write(path, data, merge, dotted=kind == "update")
                return result
        raise Contention("too much contention")

    def _write(self, path: str, data: Document, merge: bool, *, dotted: bool = False) -> None:
        base = copy.deepcopy(self.docs.get(path, {})) if merge else {}
        for key, value in data.items():
            target = base
            parts = key.split(".") if dotted else [key]
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
        self.docs[path] = base
        self.versions[path] = self.versions.get(path, 0) + 1

    def get(self, path: str) -> Document | None:
        with self.lock:
            doc = self.docs.get(path)
            return copy.deepcopy(doc) if doc is not None else None

    def set(self, path: str, data: Document, *, merge: bool = False) -> None:
        with self.lock:
            self._write(path, copy.deepcopy(data), merge)

    def create(self, path: str, data: Document) -> bool:
        with self.lock:
            if path in self.docs:
                return False
            self._write(path, copy.deepcopy(data), False)
            return True

    def find(
        self,
        collection: str,
        filters: list[Filter],
        *,
        limit: int = 100,
        order_by: str | None = None,
        start_after: Any = None,
    ) -> list[tuple[str, Document]]:
        found = []
        for doc_id, doc in sorted(self.collection(collection).items()):
            if all(_matches(doc, field, op, value) for field, op, value in filters):
                found.append((doc_id, doc))
        if order_by is not None:
            found = sorted((row for row in found if order_by in row[1]), key=lambda row: row[1][order_by])
            if start_after is not None:
                found = [row for row in found if row[1][order_by] > start_after]
        return found[:limit]

    def find_in_group(
        self, collection_id: str, filters: list[Filter], *, limit: int = 100
    ) -> list[tuple[str, Document]]:
        with self.lock:
            docs = sorted((p, copy.deepcopy(d)) for p, d in self.docs.items() if p.split("/")[-2:-1] == [collection_id])
        return [(p, d) for p, d in docs if all(_matches(d, f, op, v) for f, op, v in filters)][:limit]

    def collection(self, name: str) -> dict[str, Document]:
        prefix = name + "/"
        with self.lock:
            return {
                p[len(prefix) :]: copy.deepcopy(d)
                for p, d in self.docs.items()
                if p.startswith(prefix) and "/" not in p[len(prefix) :]
            }


def _matches(doc: Document, field: str, op: str, value: Any) -> bool:
    current: Any = doc
    for part in field.split("."):
        if not isinstance(current, dict) or part not in current:
            return False
        current = current[part]
    if op == "==":
        return bool(current == value)
    if op == "!=":
        return bool(current != value)
    if op == "in":
        return current in value
    if op == "array_contains":
        return isinstance(current, list) and value in current
    if current is None or type(current) is not type(value):
        return False  # Firestore range filters only match values of the filter's type
    return bool({"<": current < value, "<=": current <= value, ">": current > value, ">=": current >= value}[op])


class FakeClock(Clock):
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
        self.on_sleep: Callable[[], None] | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self.current

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        if self.on_sleep is not None:
            self.on_sleep()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.current += timedelta(seconds=seconds)


@dataclass
class FakePaymentGateway(PaymentGateway):
    """Stateful fake Stripe. As Stripe, it saves the first answer of each idempotency key (a
    server error included) and replays it for that key."""

    holds: dict[str, Hold] = field(default_factory=dict)
    requests: list[HoldRequest] = field(default_factory=list)
    transfer_accounts: dict[str, bool] = field(default_factory=dict)
    failures: list[PaymentGatewayError] = field(default_factory=list)
    settlements: list[tuple[str, str, str]] = field(default_factory=list)
    keys_used: list[str] = field(default_factory=list)
    during_create: Callable[[], None] | None = None
    retrieve_failures: list[PaymentGatewayError] = field(default_factory=list)
    refunds: list[tuple[RefundRequest, Refund]] = field(default_factory=list)
    refund_then_fail: bool = False
    _saved: dict[str, Hold | PaymentGatewayError] = field(default_factory=dict)
    _saved_refunds: dict[str, Refund] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _replay(self, key: str) -> Hold | None:
        self.keys_used.append(key)
        saved = self._saved.get(key)
        if isinstance(saved, PaymentGatewayError):
            raise saved
        return saved

    def _fail_and_save(self, key: str) -> None:
        if self.failures:
            error = self.failures.pop(0)
            self._saved[key] = error
            raise error

    def create_hold(self, request: HoldRequest) -> Hold:
        replayed = self._replay(request.idempotency_key)
        if replayed is not None:
            return self.holds[replayed.id]
        self._fail_and_save(request.idempotency_key)
        if self.during_create is not None:
            hook, self.during_create = self.during_create, None
            hook()
        with self._lock:
            hold_id = f"pi_fake{len(self.holds) + 1:04d}"
            hold = Hold(
                id=hold_id,
                client_secret=f"{hold_id}_secret_x",
                status="requires_payment_method",
                amount=request.amount,
                metadata=dict(request.metadata),
            )
            self.holds[hold_id] = hold
            self.requests.append(request)
            self._saved[request.idempotency_key] = hold
        return hold

    def retrieve_hold(self, hold_id: str) -> Hold:
        if self.retrieve_failures:
            raise self.retrieve_failures.pop(0)
        if hold_id not in self.holds:
            raise PaymentGatewayError(f"no such payment_intent {hold_id}", retryable=False)
        return self.holds[hold_id]

    def capture_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        return self._settle(hold_id, idempotency_key, "succeeded", from_status="requires_capture")

    def release_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        return self._settle(hold_id, idempotency_key, "canceled", from_status=None)

    def _settle(self, hold_id: str, key: str, status: str, from_status: str | None) -> Hold:
        hold = self.retrieve_hold(hold_id)  # the adapter retrieves first, outside the key
        if hold.status in ("succeeded", "canceled"):
            return hold
        if from_status is not None and hold.status != from_status:
            return hold
        replayed = self._replay(key)
        if replayed is not None:
            return replayed
        self._fail_and_save(key)
        with self._lock:
            settled = replace(hold, status=status, amount_capturable=0)
            self.holds[hold_id] = settled
            self.settlements.append((status, hold_id, key))
            self._saved[key] = settled
            return settled

    def authorize(self, hold_id: str, capture_before: datetime | None = None) -> None:
        hold = self.holds[hold_id]
        self.holds[hold_id] = replace(
            hold, status="requires_capture", amount_capturable=hold.amount.minor, capture_before=capture_before
        )

    def refund(self, request: RefundRequest) -> Refund:
        """Stripe's rules: only a captured hold, never more than what is left; one refund per key.
        As the adapter does, a refund already made under the same `metadata["refund"]` is
        returned. `refund_then_fail` makes the next refund and then answers a 5xx."""
        self.keys_used.append(request.idempotency_key)
        if request.idempotency_key in self._saved_refunds:
            return self._saved_refunds[request.idempotency_key]
        made = [r for q, r in self.refunds if q.metadata.get("refund") == request.metadata.get("refund")]
        if made:
            return made[0]
        if self.failures and not self.refund_then_fail:
            raise self.failures.pop(0)  # like a 5xx: nothing refunded, nothing saved here
        hold = self.retrieve_hold(request.hold_id)
        if hold.status != "succeeded":
            raise PaymentGatewayError("refunds.create: this PaymentIntent has no captured charge", retryable=False)
        left = hold.amount.minor - sum(r.amount.minor for q, r in self.refunds if q.hold_id == request.hold_id)
        if request.amount.minor > left:
            raise PaymentGatewayError("refunds.create: amount greater than unrefunded amount", retryable=False)
        with self._lock:
            refund = Refund(f"re_fake{len(self.refunds) + 1:04d}", request.amount, "succeeded")
            self.refunds.append((request, refund))
            self._saved_refunds[request.idempotency_key] = refund
        if self.refund_then_fail:
            self.refund_then_fail = False
            raise PaymentGatewayError("refunds.create: 500 after the refund was made", retryable=True)
        return refund

    def can_receive_transfers(self, account_id: str) -> bool:
        return self.transfer_accounts.get(account_id, False)

    def total_held(self) -> list[Money]:
        return [h.amount for h in self.holds.values()]


@dataclass
class TransactionGuardedGateway(FakePaymentGateway):
    """FakePaymentGateway that fails the test when Stripe is called inside a transaction."""

    store: InMemoryStore | None = None

    def _guard(self, operation: str) -> None:
        if self.store is not None and self.store.in_transaction:
            raise AssertionError(f"{operation} called inside a transaction")

    def create_hold(self, request: HoldRequest) -> Hold:
        self._guard("create_hold")
        return super().create_hold(request)

    def retrieve_hold(self, hold_id: str) -> Hold:
        self._guard("retrieve_hold")
        return super().retrieve_hold(hold_id)

    def capture_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        self._guard("capture_hold")
        return super().capture_hold(hold_id, idempotency_key)

    def release_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        self._guard("release_hold")
        return super().release_hold(hold_id, idempotency_key)


def seeded_store() -> InMemoryStore:
    from shared.payments.domain.pricing import DEFAULT_PRICING

    store = InMemoryStore()
    store.set("settings/pricing", DEFAULT_PRICING.to_document())
    store.set(
        "sos_profiles/lawyer1",
        {"type": "lawyer", "approvalStatus": "approved", "isVisible": True},
    )
    store.set(
        "sos_profiles/expat1",
        {"type": "expat", "approvalStatus": "approved", "isVisible": True},
    )
    return store


def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header Stripe would send (HMAC-SHA256 of `t.payload`)."""
    import hashlib
    import hmac

    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def payment_intent_event(
    event_id: str, event_type: str, intent: dict[str, Any], created: int = 1_800_000_000
) -> dict[str, Any]:
    from shared.payments.services.stripe_webhook import sdk_api_version

    return {
        "id": event_id,
        "object": "event",
        "api_version": sdk_api_version(),  # Stripe renders every event at the endpoint's (pinned) version
        "type": event_type,
        "created": created,
        "data": {"object": intent},
    }


@dataclass
class FakeTelephony(Telephony):
    """Records calls like a carrier would; fails on demand."""

    calls: list[Any] = field(default_factory=list)
    hung_up: list[str] = field(default_factory=list)
    sms: list[tuple[str, str]] = field(default_factory=list)
    failures: int = 0
    prices: dict[str, int] = field(default_factory=dict)
    price_units: dict[str, str] = field(default_factory=dict)
    records: dict[str, CallRecord] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)  # number -> Twilio error code (permanent)

    def place_call(self, request: Any) -> str:
        from shared.calls.ports.telephony import TelephonyError

        if request.to in self.refusals:
            code = self.refusals[request.to]
            raise TelephonyError(f"calls.create: twilio 400 code {code}", retryable=False, code=code)
        if self.failures:
            self.failures -= 1
            raise TelephonyError("twilio is down", retryable=True)
        self.calls.append(request)
        return f"CA{len(self.calls):032d}"

    def hang_up(self, call_sid: str) -> None:
        self.hung_up.append(call_sid)

    def call_cost(self, call_sid: str) -> CallCost | None:
        micros = self.prices.get(call_sid)
        return None if micros is None else CallCost(micros, self.price_units.get(call_sid, "usd"))

    def call_record(self, call_sid: str) -> CallRecord:
        from shared.calls.ports.telephony import TelephonyError

        if call_sid not in self.records:
            raise TelephonyError(f"twilio 404 code 20404 for {call_sid}", retryable=False)
        return self.records[call_sid]

    def send_sms(self, to: str, body: str) -> str:
        self.sms.append((to, body))
        return f"SM{len(self.sms):032d}"


@dataclass
class FakeTasks:
    """Cloud Tasks: one task per id; tests deliver them by hand (twice, late...)."""

    tasks: dict[str, tuple[str, dict[str, Any], int]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    fail: bool = False

    def enqueue(self, function: str, payload: dict[str, Any], *, task_id: str, delay_seconds: int = 0) -> bool:
        if self.fail:
            raise RuntimeError("cloud tasks unavailable")
        if task_id in self.tasks:
            return False
        self.tasks[task_id] = (function, payload, delay_seconds)
        self.order.append(task_id)
        return True


class FakeBillingGateway(BillingGateway):
    """Stateful fake Stripe Billing: products by plan, immutable prices, customers, checkouts."""

    def __init__(self) -> None:
        self.products: dict[str, str] = {}
        self.prices: dict[str, RecurringPrice] = {}
        self.customers: dict[str, str] = {}
        self.checkouts: list[CheckoutRequest] = []
        self.calls: list[str] = []
        self.subscriptions: dict[str, StripeSubscription] = {}
        self.subscription_metadata: dict[str, dict[str, str]] = {}
        self.subscription_objects: dict[str, dict[str, Any]] = {}  # webhook-shaped, as Stripe has them now
        self.fail_next_retrieval = False
        self.replies: dict[str, StripeSubscription] = {}  # by idempotency key, for cancels
        self.change_replies: dict[str, PlanChange] = {}  # by idempotency key, for plan changes
        self.invoiced_on_change = 0
        self.trial_ends: dict[str, datetime | None] = {}  # by subscription id, as asked of Stripe
        self.subscription_customers: dict[str, str] = {}
        self.fail_next_call = False  # the next subscription call meets a Stripe outage

    def ensure_product(self, plan_id: str, name: str) -> str:
        self.calls.append("ensure_product")
        return self.products.setdefault(plan_id, f"prod_{plan_id}")

    def _outage(self, operation: str) -> None:
        if self.fail_next_call:
            self.fail_next_call = False
            raise PaymentGatewayError(f"{operation}: APIConnectionError", retryable=True)

    def retrieve_price(self, price_id: str) -> RecurringPrice | None:
        self._outage("prices.retrieve")
        return self.prices.get(price_id)

    def create_price(
        self, product_id: str, amount: Money, period: BillingPeriod, idempotency_key: str
    ) -> RecurringPrice:
        self.calls.append("create_price")
        price = RecurringPrice(f"price_{len(self.prices) + 1}", product_id, amount, period)
        self.prices[price.id] = price
        return price

    def archive_price(self, price_id: str) -> None:
        self.calls.append("archive_price")
        old = self.prices[price_id]
        self.prices[price_id] = RecurringPrice(old.id, old.product_id, old.amount, old.period, active=False)

    def create_customer(self, user_id: str, email: str | None, idempotency_key: str) -> str:
        self.calls.append("create_customer")
        customer_id = f"cus_{len(self.customers) + 1}"
        self.customers[customer_id] = user_id
        return customer_id

    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        self.checkouts.append(request)
        return CheckoutSession(f"cs_{len(self.checkouts)}", f"https://checkout.local/cs_{len(self.checkouts)}")

    # --- subscriptions ---------------------------------------------------------------------

    def create_subscription(self, request: SubscriptionRequest) -> StripeSubscription:
        self.calls.append("create_subscription")
        price_id, trial_end = request.price_id, request.trial_end
        sub_id = f"sub_{len(self.subscriptions) + 1}"
        self.trial_ends[sub_id] = trial_end
        if trial_end is not None:  # nothing to pay yet: a SetupIntent saves the card
            created = StripeSubscription(
                sub_id, "trialing", f"si_{sub_id}", self.prices[price_id], False, None, f"seti_{sub_id}_secret"
            )
        else:
            created = StripeSubscription(
                sub_id,
                "incomplete",
                f"si_{sub_id}",
                self.prices[price_id],
                False,
                f"pi_{sub_id}_secret",
                payment_intent_id=f"pi_{sub_id}",
            )
        self.subscriptions[sub_id] = created
        self.subscription_metadata[sub_id] = dict(request.metadata)
        self.subscription_customers[sub_id] = request.customer_id
        return created

    def retrieve_subscription(self, subscription_id: str) -> StripeSubscription:
        self.calls.append("retrieve_subscription")
        self._outage("subscriptions.retrieve")
        return self.subscriptions[subscription_id]

    def incomplete_subscriptions(self, customer_id: str) -> list[str]:
        self.calls.append("incomplete_subscriptions")
        return [
            sub_id
            for sub_id, sub in self.subscriptions.items()
            if sub.status == "incomplete" and self.subscription_customers.get(sub_id) == customer_id
        ]

    def cancel_subscription(self, subscription_id: str, idempotency_key: str) -> StripeSubscription:
        self.calls.append("cancel_subscription")
        current = self.subscriptions[subscription_id]
        cancelled = StripeSubscription(current.id, "canceled", current.item_id, current.price, False)
        self.subscriptions[subscription_id] = cancelled
        return cancelled

    def subscription_object(self, subscription_id: str) -> dict[str, Any] | None:
        self.calls.append("subscription_object")
        if self.fail_next_retrieval:
            self.fail_next_retrieval = False
            raise PaymentGatewayError("subscriptions.retrieve: APIConnectionError", retryable=True)
        found = self.subscription_objects.get(subscription_id)
        return copy.deepcopy(found) if found is not None else None

    def change_price(
        self, subscription: StripeSubscription, price_id: str, metadata: dict[str, str], idempotency_key: str
    ) -> PlanChange:
        self.calls.append("change_price")
        if idempotency_key in self.change_replies:  # as Stripe: the first answer again, nothing applied
            return self.change_replies[idempotency_key]
        current = self.subscriptions[subscription.id]
        changed = StripeSubscription(
            current.id, current.status, current.item_id, self.prices[price_id], current.cancel_at_period_end
        )
        self.subscriptions[current.id] = changed
        self.subscription_metadata[current.id] = dict(metadata)
        # What the test says Stripe's proration invoice comes to (nothing invoiced at once by default).
        reply = PlanChange(changed, Money(self.invoiced_on_change, changed.price.amount.currency))
        self.change_replies[idempotency_key] = reply
        return reply

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool, idempotency_key: str) -> StripeSubscription:
        self._outage("subscriptions.update")
        if idempotency_key in self.replies:
            return self.replies[idempotency_key]
        current = self.subscriptions[subscription_id]
        changed = StripeSubscription(current.id, current.status, current.item_id, current.price, cancel)
        self.subscriptions[subscription_id] = changed
        self.replies[idempotency_key] = changed
        return changed

    def create_portal_session(self, customer_id: str, return_url: str) -> str:
        return f"https://billing.local/session/{customer_id}"


class FakeAccountDirectory(AccountDirectory):
    """Firebase Auth in memory: accounts by uid, one per e-mail; each step fails on demand
    (`fail` names the steps: "create", "grant", "disable", "delete"); an unknown uid fails as Auth's
    user-not-found does (DirectoryError); `on_create` runs inside account
    creation (a race injection point). Thread-safe."""

    def __init__(self) -> None:
        self.accounts: dict[str, DirectoryAccount] = {}
        self.passwords: dict[str, str] = {}
        self.fail: set[str] = set()
        self.on_create: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._created = 0

    def add(self, uid: str, email: str | None = None, **claims: Any) -> None:
        self.accounts[uid] = DirectoryAccount(uid, email, claims)

    def account(self, uid: str) -> DirectoryAccount | None:
        return self.accounts.get(uid)

    def grant_role(self, uid: str, role: str) -> None:
        if "grant" in self.fail:
            raise DirectoryError("auth unavailable")
        with self._lock:
            found = self.accounts[uid]
            self.accounts[uid] = DirectoryAccount(uid, found.email, {**found.claims, "role": role})

    def set_claims(self, uid: str, changes: dict[str, Any]) -> None:
        if "grant" in self.fail:
            raise DirectoryError("auth unavailable")
        with self._lock:
            found = self.accounts[uid]
            claims = {k: v for k, v in {**found.claims, **changes}.items() if v is not None}
            self.accounts[uid] = DirectoryAccount(uid, found.email, claims, found.disabled)

    def set_disabled(self, uid: str, disabled: bool) -> None:
        if "disable" in self.fail:
            raise DirectoryError("auth unavailable")
        with self._lock:
            found = self.accounts.get(uid)
            if found is None:
                raise DirectoryError(f"no user record for uid {uid!r}")
            self.accounts[uid] = DirectoryAccount(uid, found.email, found.claims, disabled)

    def create_account(self, email: str, password: str, display_name: str) -> str:
        if "create" in self.fail:
            raise DirectoryError("auth unavailable")
        if self.on_create is not None:
            self.on_create()
        if len(password) < 6:
            raise PasswordRefused("WEAK_PASSWORD")
        with self._lock:
            if any(found.email == email for found in self.accounts.values()):
                raise EmailAlreadyUsed("EMAIL_EXISTS")
            self._created += 1
            uid = f"auth{self._created:04d}"
            self.accounts[uid] = DirectoryAccount(uid, email, {})
            self.passwords[uid] = password
        return uid

    def delete_account(self, uid: str) -> None:
        if "delete" in self.fail:
            raise DirectoryError("auth unavailable")
        with self._lock:
            self.accounts.pop(uid, None)
            self.passwords.pop(uid, None)

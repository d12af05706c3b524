from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calls.services.payment_metrics import collect_daily_payment_metrics
from tests.fakes import FakeClock, InMemoryStore

DAY = date(2026, 11, 21)
MIDNIGHT = datetime(2026, 11, 21, tzinfo=UTC)


def add_payment(
    store: InMemoryStore,
    payment_id: str,
    *,
    state: str,
    created: datetime,
    amount: int = 4900,
    currency: str = "eur",
    fee: int = 900,
    session: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    store.set(
        f"payments/{payment_id}",
        {
            "paymentIntentId": payment_id,
            "callSessionId": f"s_{payment_id}",
            "amount": amount,
            "currency": currency,
            "platformFee": fee,
            "state": state,
            "createdAt": created,
            **extra,
        },
    )
    if session is not None:
        store.set(f"call_sessions/s_{payment_id}", {"paymentIntentId": payment_id, **session})


def collect(store: InMemoryStore, day: date = DAY) -> dict[str, Any]:
    return collect_daily_payment_metrics(day, store=store, clock=FakeClock())


def test_aggregates_the_payments_created_that_utc_day() -> None:
    store = InMemoryStore()
    at = MIDNIGHT + timedelta(hours=10)
    completed = {"status": "completed", "billable": True, "connectedSeconds": 120}
    add_payment(store, "p1", state="captured", created=MIDNIGHT, session=completed)
    add_payment(
        store,
        "p2",
        state="captured",
        created=at,
        amount=2500,
        fee=500,
        session={**completed, "connectedSeconds": 301},
    )
    add_payment(store, "p3", state="captured", created=at, amount=5500, currency="usd", fee=1000)
    add_payment(
        store,
        "p4",
        state="released",
        created=at,
        session={"status": "completed", "billable": False, "connectedSeconds": 20},
    )
    add_payment(
        store, "p5", state="released", created=at, session={"status": "failed", "failureReason": "provider_no_answer"}
    )
    add_payment(store, "p6", state="released", created=at, session={"status": "failed", "failureReason": "stuck"})
    add_payment(store, "p7", state="canceled", created=at, session={"status": "failed", "failureReason": "stuck"})
    add_payment(store, "p8", state="failed", created=at, session={"status": "failed"})
    add_payment(store, "p9", state="authorized", created=at, session={"status": "active"})
    add_payment(store, "p10", state="pending", created=MIDNIGHT + timedelta(days=1) - timedelta(microseconds=1))
    # Other days
    add_payment(store, "before", state="captured", created=MIDNIGHT - timedelta(microseconds=1))
    add_payment(store, "after", state="captured", created=MIDNIGHT + timedelta(days=1))

    metrics = collect(store)
    assert metrics == {
        "day": "2026-11-21",
        "computedAt": "2026-11-22T09:00:00+00:00",
        "payments": {
            "count": 10,
            "byState": {
                "pending": 1,
                "failed": 1,
                "authorized": 1,
                "captured": 3,
                "released": 4,
                "partially_refunded": 0,
                "refunded": 0,
            },
        },
        "currencies": {
            "eur": {"capturedCount": 2, "capturedAmount": 7400, "platformFees": 1400, "refundedAmount": 0},
            "usd": {"capturedCount": 1, "capturedAmount": 5500, "platformFees": 1000, "refundedAmount": 0},
        },
        "sessions": {
            "count": 8,
            "completed": 3,
            "failed": 4,
            "cancelled": 0,
            "failedByReason": {"provider_no_answer": 1, "stuck": 2, "unknown": 1},
        },
        "billableCalls": {"count": 2, "averageConnectedSeconds": 210.5},
        "truncated": False,
    }
    assert store.get("metrics_daily/2026-11-21") == metrics


def test_running_it_again_overwrites_the_day_with_the_same_figures() -> None:
    store = InMemoryStore()
    add_payment(store, "p1", state="captured", created=MIDNIGHT)
    first = collect(store)
    assert collect(store) == first
    assert store.collection("metrics_daily") == {"2026-11-21": first}


def test_uses_the_amount_stripe_reports_as_received() -> None:
    store = InMemoryStore()
    add_payment(store, "p1", state="captured", created=MIDNIGHT, amount=4900, amountReceived=4000)
    assert collect(store)["currencies"]["eur"]["capturedAmount"] == 4000


def test_refunds_are_summed_per_currency_beside_what_was_captured() -> None:
    store = InMemoryStore()
    add_payment(store, "p1", state="partially_refunded", created=MIDNIGHT, amount=4900, refundedAmount=1000)
    add_payment(store, "p2", state="refunded", created=MIDNIGHT, amount=4900, refundedAmount=4900)
    add_payment(store, "p3", state="captured", created=MIDNIGHT, amount=4900)
    assert collect(store)["currencies"]["eur"] == {
        "capturedCount": 1,
        "capturedAmount": 4900,
        "platformFees": 900,
        "refundedAmount": 5900,
    }


def test_a_day_without_payments() -> None:
    metrics = collect(InMemoryStore())
    assert metrics["payments"] == {
        "count": 0,
        "byState": {
            "pending": 0,
            "failed": 0,
            "authorized": 0,
            "captured": 0,
            "released": 0,
            "partially_refunded": 0,
            "refunded": 0,
        },
    }
    assert metrics["currencies"] == {}
    assert metrics["sessions"]["count"] == 0
    assert metrics["billableCalls"] == {"count": 0, "averageConnectedSeconds": None}


payment_inputs = st.lists(
    st.tuples(
        st.sampled_from(["pending", "failed", "authorized", "captured", "released"]),
        st.sampled_from(["eur", "usd"]),
        st.integers(min_value=1, max_value=10_000_000),
        st.integers(min_value=0, max_value=10_000),
        st.integers(min_value=-86_400, max_value=2 * 86_400 - 1),  # seconds from midnight: other days too
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(payment_inputs)
def test_captured_sums_per_currency_equal_the_sums_of_the_inputs(
    inputs: list[tuple[str, str, int, int, int]],
) -> None:
    store = InMemoryStore()
    expected: dict[str, dict[str, int]] = defaultdict(
        lambda: {"capturedCount": 0, "capturedAmount": 0, "platformFees": 0, "refundedAmount": 0}
    )
    states: dict[str, int] = defaultdict(int)
    for index, (state, currency, amount, fee, offset) in enumerate(inputs):
        created = MIDNIGHT + timedelta(seconds=offset)
        add_payment(store, f"p{index}", state=state, created=created, amount=amount, currency=currency, fee=fee)
        if created.date() != DAY:
            continue
        states[state] += 1
        if state == "captured":
            expected[currency]["capturedCount"] += 1
            expected[currency]["capturedAmount"] += amount
            expected[currency]["platformFees"] += fee

    metrics = collect(store)
    assert metrics["currencies"] == dict(expected)
    assert all(isinstance(v, int) for totals in metrics["currencies"].values() for v in totals.values())
    assert metrics["payments"]["count"] == sum(states.values())
    assert {state: n for state, n in metrics["payments"]["byState"].items() if n} == dict(states)

"""Subscription webhooks: state from Stripe objects, newest event wins, replay/reorder safe."""

import itertools
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS
from shared.payments.adapters.stripe_gateway import StripeWebhookVerifier
from shared.payments.services.stripe_webhook import handle_stripe_webhook, sdk_api_version
from shared.subscriptions.services.events import subscription_refresher
from tests.fakes import FakeBillingGateway, FakeClock, InMemoryStore, stripe_signature

SECRET = "whsec_subs"
DAY = 86400
T0 = 1_800_000_000


def stripe_sub(
    interval: str = "month",
    amount: int = 1400,
    plan_id: str = "lawyer_basic",
    status: str = "active",
    start: int = T0,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": "sub_1",
        "object": "subscription",
        "created": T0 - DAY,
        "customer": "cus_1",
        "status": status,
        "cancel_at_period_end": False,
        "items": {
            "data": [
                {
                    "id": "si_1",
                    "current_period_start": start,
                    "current_period_end": start + (365 if interval == "year" else 30) * DAY,
                    "price": {
                        "id": f"price_{plan_id}_{interval}",
                        "unit_amount": amount,
                        "currency": "eur",
                        "recurring": {"interval": interval},
                    },
                }
            ]
        },
        "metadata": {
            "providerId": "lawyer1",
            "planId": plan_id,
            "providerType": "lawyer",
            "billingPeriod": "yearly" if interval == "year" else "monthly",
            "currency": "eur",
        },
        **extra,
    }


def event(event_id: str, event_type: str, obj: dict[str, Any], created: int) -> dict[str, Any]:
    api_version = sdk_api_version()  # the endpoint's pinned version; another one is refused
    return {"id": event_id, "type": event_type, "api_version": api_version, "created": created, "data": {"object": obj}}


def invoice(invoice_id: str, subscription: str = "sub_1", metadata: dict[str, str] | None = None) -> dict[str, Any]:
    """An invoice as API 2026-10-28 shapes it: its subscription under `parent`, none at the top."""
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": "cus_1",
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {
                "subscription": subscription,
                "metadata": {"providerId": "lawyer1"} if metadata is None else metadata,
            },
        },
    }


class Hook:
    def __init__(self, billing: FakeBillingGateway | None = None) -> None:
        self.store, self.clock, self.billing = InMemoryStore(), FakeClock(), billing

    def deliver(self, evt: dict[str, Any]) -> int:
        payload = json.dumps(evt).encode()
        return handle_stripe_webhook(
            payload,
            stripe_signature(payload, SECRET, int(time.time())),
            verifier=StripeWebhookVerifier(SECRET),
            store=self.store,
            clock=self.clock,
            handlers=STRIPE_EVENT_HANDLERS,
            refresh=subscription_refresher(self.billing) if self.billing else None,
        ).status

    def sub(self) -> dict[str, Any]:
        doc = self.store.get("subscriptions/lawyer1")
        assert doc is not None
        return doc


def test_monthly_basic_is_recorded_from_the_stripe_object() -> None:  # audit TEST 1
    hook = Hook()
    assert hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0)) == 200
    sub = hook.sub()
    assert (sub["planId"], sub["tier"], sub["billingPeriod"], sub["currency"]) == (
        "lawyer_basic",
        "basic",
        "monthly",
        "EUR",
    )
    assert sub["currentPeriodAmount"] == 1400 and sub["aiCallsLimit"] == 5 and sub["aiAccessEnabled"] is True
    assert sub["currentPeriodEnd"] == datetime.fromtimestamp(T0 + 30 * DAY, UTC)
    assert sub["stripeSubscriptionId"] == "sub_1" and sub["stripeCustomerId"] == "cus_1"


def test_the_period_is_read_from_the_subscription_item() -> None:
    """API 2026-10-28 moved the period to the items; a top-level one (older versions) is not read."""
    hook = Hook()
    legacy = stripe_sub(current_period_start=T0 - 90 * DAY, current_period_end=T0 - 60 * DAY)
    hook.deliver(event("e1", "customer.subscription.created", legacy, T0))
    sub = hook.sub()
    assert sub["currentPeriodStart"] == datetime.fromtimestamp(T0, UTC)
    assert sub["currentPeriodEnd"] == datetime.fromtimestamp(T0 + 30 * DAY, UTC)


def test_upgrade_to_yearly_pro_recomputes_tier_period_and_limits() -> None:  # audit TEST 2/3, I5
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    upgraded = stripe_sub("year", 66240, "lawyer_pro", start=T0 + 10 * DAY)
    hook.deliver(event("e2", "customer.subscription.updated", upgraded, T0 + 10 * DAY))
    sub = hook.sub()
    assert (sub["tier"], sub["billingPeriod"], sub["aiCallsLimit"], sub["currentPeriodAmount"]) == (
        "pro",
        "yearly",
        30,
        66240,
    )
    assert sub["currentPeriodEnd"] == datetime.fromtimestamp(T0 + 375 * DAY, UTC)


def test_cancel_at_period_end_keeps_access_then_deleted_ends_it() -> None:  # audit TEST 4
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub("year", 66240, "lawyer_pro"), T0))
    pending = stripe_sub("year", 66240, "lawyer_pro", cancel_at_period_end=True)
    hook.deliver(event("e2", "customer.subscription.updated", pending, T0 + DAY))
    assert hook.sub()["cancelAtPeriodEnd"] is True and hook.sub()["aiAccessEnabled"] is True
    ended = stripe_sub("year", 66240, "lawyer_pro", status="canceled", canceled_at=T0 + 365 * DAY)
    hook.deliver(event("e3", "customer.subscription.deleted", ended, T0 + 365 * DAY))
    assert hook.sub()["status"] == "cancelled" and hook.sub()["aiAccessEnabled"] is False


def test_failed_renewal_then_paid_restores_access_and_resets_the_quota() -> None:  # audit TEST 5, I7
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    hook.store.set("subscriptions/lawyer1", {"currentPeriodCalls": 4}, merge=True)
    hook.deliver(event("e2", "invoice.payment_failed", invoice("in_1"), T0 + 30 * DAY))
    sub = hook.sub()
    assert sub["status"] == "past_due" and sub["aiAccessEnabled"] is True and sub["pastDueSince"] is not None
    assert hook.store.get("mail/payment_failed_in_1") is not None
    hook.store.set("subscriptions/lawyer1", {"status": "suspended", "aiAccessEnabled": False}, merge=True)
    hook.deliver(event("e3", "invoice.paid", invoice("in_1"), T0 + 38 * DAY))
    sub = hook.sub()
    assert (sub["status"], sub["aiAccessEnabled"], sub["currentPeriodCalls"], sub["pastDueSince"]) == (
        "active",
        True,
        0,
        None,
    )


def test_the_grace_runs_from_stripes_time_of_the_first_failure() -> None:  # audit TEST 5
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    hook.deliver(event("e2", "invoice.payment_failed", invoice("in_1"), T0 + 30 * DAY))  # delivered late or not
    hook.deliver(event("e3", "invoice.payment_failed", invoice("in_1"), T0 + 33 * DAY))  # Stripe's retry
    assert hook.sub()["pastDueSince"] == datetime.fromtimestamp(T0 + 30 * DAY, UTC)
    assert hook.store.get("mail/payment_failed_in_1") is not None


def test_past_due_from_the_subscription_alone_still_starts_the_grace() -> None:
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.updated", stripe_sub(status="past_due"), T0 + 30 * DAY))
    sub = hook.sub()
    assert (sub["status"], sub["aiAccessEnabled"]) == ("past_due", True)
    assert sub["pastDueSince"] == datetime.fromtimestamp(T0 + 30 * DAY, UTC)
    hook.deliver(event("e2", "customer.subscription.updated", stripe_sub(status="past_due"), T0 + 31 * DAY))
    assert hook.sub()["pastDueSince"] == datetime.fromtimestamp(T0 + 30 * DAY, UTC)


def test_an_older_event_never_overwrites_newer_state() -> None:
    hook = Hook()
    hook.deliver(event("e2", "customer.subscription.updated", stripe_sub("year", 66240, "lawyer_pro"), T0 + 10))
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    assert hook.sub()["tier"] == "pro"


LIFECYCLE = [
    event("e1", "customer.subscription.created", stripe_sub(), T0),
    event("e2", "invoice.paid", invoice("in_0"), T0 + 1),
    event(
        "e3", "customer.subscription.updated", stripe_sub("year", 66240, "lawyer_pro", start=T0 + 5 * DAY), T0 + 5 * DAY
    ),
    event(
        "e4",
        "customer.subscription.updated",
        stripe_sub("year", 66240, "lawyer_pro", start=T0 + 5 * DAY, cancel_at_period_end=True),
        T0 + 6 * DAY,
    ),
]


def _final(order: list[dict[str, Any]], twice: bool = False) -> dict[str, Any]:
    hook = Hook()
    for evt in order:
        hook.deliver(evt)
        if twice:
            hook.deliver(evt)
    sub = hook.sub()
    return {k: v for k, v in sub.items() if k not in ("updatedAt", "createdAt")}


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(LIFECYCLE)))))
def test_replayed_or_reordered_lifecycle_gives_the_in_order_document(order: tuple[int, ...]) -> None:
    in_order = _final(LIFECYCLE)
    assert _final([LIFECYCLE[i] for i in order]) == in_order
    assert _final(LIFECYCLE, twice=True) == in_order


def test_unknown_provider_is_retried_until_checkout_links_it() -> None:
    hook = Hook()
    orphan = stripe_sub()
    orphan["metadata"] = {}
    assert hook.deliver(event("e1", "customer.subscription.created", orphan, T0)) == 500
    session = {
        "id": "cs_1",
        "object": "checkout.session",
        "customer": "cus_1",
        "subscription": "sub_1",
        "metadata": {"providerId": "lawyer1"},
    }
    assert hook.deliver(event("e0", "checkout.session.completed", session, T0)) == 200
    assert hook.deliver(event("e1", "customer.subscription.created", orphan, T0)) == 200
    assert hook.sub()["providerId"] == "lawyer1"


def test_same_second_events_in_either_order_end_in_stripes_current_state() -> None:
    """Checkout/Elements: created (incomplete) and updated (active) share a second; delivered
    reversed, the timestamps cannot order them: the re-fetched subscription does."""
    billing = FakeBillingGateway()
    billing.subscription_objects["sub_1"] = stripe_sub(status="active")
    hook = Hook(billing)
    hook.deliver(event("e2", "customer.subscription.updated", stripe_sub(status="active"), T0))
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(status="incomplete"), T0))
    assert (hook.sub()["status"], hook.sub()["aiAccessEnabled"]) == ("active", True)
    without_refresh = Hook()
    without_refresh.deliver(event("e2", "customer.subscription.updated", stripe_sub(status="active"), T0))
    without_refresh.deliver(event("e1", "customer.subscription.created", stripe_sub(status="incomplete"), T0))
    assert without_refresh.sub()["status"] == "incomplete"  # what the refresh is for


def test_a_subscription_stripe_no_longer_has_is_applied_from_the_event() -> None:
    hook = Hook(FakeBillingGateway())
    assert hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0)) == 200
    assert hook.sub()["status"] == "active"


def test_a_failed_refresh_answers_5xx_and_applies_nothing() -> None:
    billing = FakeBillingGateway()
    billing.subscription_objects["sub_1"] = stripe_sub()
    billing.fail_next_retrieval = True
    hook = Hook(billing)
    assert hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0)) == 500
    assert hook.store.get("subscriptions/lawyer1") is None and hook.store.get("processed_events/e1") is None
    assert hook.store.get("webhook_failures/e1") is not None
    assert hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0)) == 200
    assert hook.sub()["status"] == "active"


def test_only_subscription_events_are_refreshed() -> None:
    billing = FakeBillingGateway()
    hook = Hook(billing)
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    hook.deliver(event("e2", "invoice.paid", invoice("in_1"), T0 + 1))
    assert billing.calls.count("subscription_object") == 1


def test_a_cancelled_subscription_is_final() -> None:
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    hook.deliver(event("e3", "customer.subscription.deleted", stripe_sub(status="canceled"), T0 + DAY))
    hook.deliver(event("e2", "customer.subscription.updated", stripe_sub(), T0 + DAY))  # same second, late
    assert (hook.sub()["status"], hook.sub()["aiAccessEnabled"]) == ("cancelled", False)


def test_recovery_resets_the_quota_whichever_event_comes_first() -> None:  # audit TEST 5, I7
    for first, second in (
        ("invoice.paid", "customer.subscription.updated"),
        ("customer.subscription.updated", "invoice.paid"),
    ):
        hook = Hook()
        hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
        hook.store.set(
            "subscriptions/lawyer1",
            {"status": "suspended", "aiAccessEnabled": False, "currentPeriodCalls": 4},
            merge=True,
        )
        objects = {"invoice.paid": invoice("in_1"), "customer.subscription.updated": stripe_sub(status="active")}
        hook.deliver(event("e2", first, objects[first], T0 + 38 * DAY))
        hook.deliver(event("e3", second, objects[second], T0 + 38 * DAY))
        sub = hook.sub()
        assert (sub["status"], sub["aiAccessEnabled"], sub["currentPeriodCalls"]) == ("active", True, 0), first


def test_a_late_event_re_fetched_as_past_due_does_not_date_the_failure() -> None:
    """The state is re-fetched now, the event is older: its time says nothing of the failure,
    which invoice.payment_failed dates."""
    billing = FakeBillingGateway()
    hook = Hook(billing)
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    billing.subscription_objects["sub_1"] = stripe_sub(status="past_due", start=T0 + 30 * DAY)
    hook.deliver(event("e2", "customer.subscription.updated", stripe_sub(), T0 + 60))  # delivered late
    assert hook.sub()["status"] == "past_due" and hook.sub().get("pastDueSince") is None
    hook.deliver(event("e3", "invoice.payment_failed", invoice("in_2"), T0 + 30 * DAY))
    assert hook.sub()["pastDueSince"] == datetime.fromtimestamp(T0 + 30 * DAY, UTC)


def test_a_server_trial_carried_into_a_plan_keeps_its_start_and_ends_with_stripe() -> None:
    hook = Hook()
    started = datetime.fromtimestamp(T0 - 3 * DAY, UTC)
    hook.store.set(
        "subscriptions/lawyer1",
        {"status": "trialing", "tier": "trial", "trialStartedAt": started, "aiCallsLimit": 3},
    )
    trialing = stripe_sub(status="trialing", trial_start=T0, trial_end=T0 + 11 * DAY)
    assert hook.deliver(event("evt_t1", "customer.subscription.created", trialing, T0)) == 200
    doc = hook.sub()
    assert (doc["status"], doc["tier"], doc["aiCallsLimit"], doc["stripeSubscriptionId"]) == (
        "trialing",
        "basic",
        5,
        "sub_1",
    )
    assert doc["trialStartedAt"] == started and doc["trialEndsAt"] == datetime.fromtimestamp(T0 + 11 * DAY, UTC)
    paid = stripe_sub(start=T0 + 11 * DAY, trial_start=T0, trial_end=T0 + 11 * DAY)
    assert hook.deliver(event("evt_t2", "customer.subscription.updated", paid, T0 + 11 * DAY)) == 200
    assert (hook.sub()["status"], hook.sub()["aiAccessEnabled"], hook.sub()["trialStartedAt"]) == (
        "active",
        True,
        started,
    )


def test_invoice_events_find_their_subscription_under_parent() -> None:
    """No customer index and no subscription index: only `parent.subscription_details` names
    the provider (its metadata) — the top-level `subscription` the handlers read is gone."""
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    hook.store.set("stripe_subscription_index/sub_1", {})
    assert hook.deliver(event("e2", "invoice.payment_failed", invoice("in_1"), T0 + 30 * DAY)) == 200
    assert hook.sub()["status"] == "past_due"
    assert hook.deliver(event("e3", "invoice.payment_action_required", invoice("in_1"), T0 + 30 * DAY)) == 200
    assert hook.store.get("mail/subscription_payment_action_required_e3") is not None


def test_an_invoice_whose_subscription_cannot_be_resolved_is_retried_not_dropped() -> None:
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", stripe_sub(), T0))
    unknown = invoice("in_9", subscription="sub_unknown", metadata={})
    unknown["customer"] = "cus_unknown"
    for n, kind in enumerate(("invoice.paid", "invoice.payment_failed", "invoice.payment_action_required")):
        assert hook.deliver(event(f"e{n + 2}", kind, unknown, T0 + DAY)) == 500, kind
        assert hook.store.get(f"processed_events/e{n + 2}") is None
    not_a_subscription = {"id": "in_8", "object": "invoice", "customer": "cus_x", "parent": None}
    assert hook.deliver(event("e9", "invoice.paid", not_a_subscription, T0 + DAY)) == 200


def other_sub(sub_id: str, status: str, created: int, **extra: Any) -> dict[str, Any]:
    return {**stripe_sub(status=status, **extra), "id": sub_id, "created": created}


def test_abandoned_then_paid_then_the_abandoned_one_expires_access_stays() -> None:  # issue 9 item 5
    billing = FakeBillingGateway()
    hook = Hook(billing)
    abandoned = other_sub("sub_a", "incomplete", T0)
    billing.subscription_objects["sub_a"] = abandoned
    hook.deliver(event("e1", "customer.subscription.created", abandoned, T0))
    paid = other_sub("sub_b", "active", T0 + 600)
    billing.subscription_objects["sub_b"] = paid
    hook.deliver(event("e2", "customer.subscription.created", paid, T0 + 600))
    assert (hook.sub()["stripeSubscriptionId"], hook.sub()["aiAccessEnabled"]) == ("sub_b", True)
    expired = other_sub("sub_a", "incomplete_expired", T0)
    billing.subscription_objects["sub_a"] = expired
    assert hook.deliver(event("e3", "customer.subscription.updated", expired, T0 + 23 * 3600)) == 200
    assert hook.deliver(event("e4", "customer.subscription.deleted", expired, T0 + 23 * 3600)) == 200
    failed = invoice("in_a", subscription="sub_a")
    assert hook.deliver(event("e5", "invoice.payment_failed", failed, T0 + 23 * 3600)) == 200
    sub = hook.sub()
    assert (sub["stripeSubscriptionId"], sub["status"], sub["aiAccessEnabled"]) == ("sub_b", "active", True)


def test_a_second_subscription_takes_over_only_when_newer_and_live() -> None:
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", other_sub("sub_b", "active", T0), T0))
    older_live = other_sub("sub_old", "active", T0 - 10 * DAY)
    hook.deliver(event("e2", "customer.subscription.updated", older_live, T0 + 1))
    newer_unpaid = other_sub("sub_new", "incomplete", T0 + DAY)
    hook.deliver(event("e3", "customer.subscription.created", newer_unpaid, T0 + DAY))
    assert hook.sub()["stripeSubscriptionId"] == "sub_b"
    newer_paid = other_sub("sub_new", "active", T0 + DAY, plan_id="lawyer_pro")
    hook.deliver(event("e4", "customer.subscription.updated", newer_paid, T0 + DAY + 5))
    assert (hook.sub()["stripeSubscriptionId"], hook.sub()["tier"]) == ("sub_new", "pro")


def test_a_new_subscription_replaces_one_that_no_longer_holds() -> None:
    hook = Hook()
    hook.deliver(event("e1", "customer.subscription.created", other_sub("sub_a", "incomplete", T0), T0))
    hook.deliver(event("e2", "customer.subscription.created", other_sub("sub_b", "incomplete", T0 + 60), T0 + 60))
    assert hook.sub()["stripeSubscriptionId"] == "sub_b"
    hook.deliver(event("e3", "customer.subscription.deleted", other_sub("sub_a", "canceled", T0), T0 + 120))
    assert (hook.sub()["stripeSubscriptionId"], hook.sub()["status"]) == ("sub_b", "incomplete")

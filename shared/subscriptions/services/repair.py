"""repairSubscriptionBillingPeriods (seed 004 §6.2): fix missing or wrong `billingPeriod`.

Dry-run by default: reports what it would change. Stripe's Price interval is the truth.
"""

from __future__ import annotations

from typing import Any

from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import InvalidArgument, PaymentGatewayError, PermissionDenied
from shared.kernel.store import DocumentStore
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.domain.subscription import LIVE_STATUSES
from shared.subscriptions.ports.billing import BillingGateway

CHECKED = sorted(status.value for status in LIVE_STATUSES)


def repair_billing_periods(
    caller: Caller | None, data: Any, *, store: DocumentStore, billing: BillingGateway, clock: Clock
) -> dict[str, Any]:
    if not require_caller(caller).is_admin:
        raise PermissionDenied("admins only")
    if data is not None and not isinstance(data, dict):
        raise InvalidArgument("data", "must be an object")
    dry_run = (data or {}).get("dryRun", True)
    if not isinstance(dry_run, bool):
        raise InvalidArgument("dryRun", "must be true or false")
    changes: list[dict[str, Any]] = []
    errors: list[str] = []
    for subscription in repository.with_status(store, CHECKED):
        provider_id, subscription_id = subscription.provider_id, subscription.get("stripeSubscriptionId")
        if not isinstance(subscription_id, str):
            continue
        try:
            stripe_period = billing.retrieve_subscription(subscription_id).price.period.value
        except PaymentGatewayError as exc:
            errors.append(f"{provider_id}: {exc}")
            continue
        if subscription.get("billingPeriod") != stripe_period:
            changes.append({"providerId": provider_id, "from": subscription.get("billingPeriod"), "to": stripe_period})
            if not dry_run:
                subscription.changes.update({"billingPeriod": stripe_period, "updatedAt": clock.now()})
                repository.save(store, subscription)
    return {"dryRun": dry_run, "changes": changes, "errors": errors}

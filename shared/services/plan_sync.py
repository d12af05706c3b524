"""syncSubscriptionPlansToStripe: one Product per plan, four Prices each, kept in step.

A Price whose amount, currency or interval no longer matches the plan is replaced (a new
Price is created, the old one archived: Stripe Prices are immutable). A second run with
nothing changed creates nothing. Stripe is never called inside a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.domain.errors import PermissionDenied
from shared.domain.money import Currency
from shared.domain.subscription_plans import PLANS, BillingPeriod, Plan
from shared.ports.billing import BillingGateway
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore
from shared.services.commands import Caller, require_caller


def price_field(currency: Currency, period: BillingPeriod) -> str:
    """`stripePriceIdEUR`, `stripePriceIdUSD`, `stripePriceIdAnnualEUR`, `stripePriceIdAnnualUSD`."""
    annual = "Annual" if period is BillingPeriod.YEARLY else ""
    return f"stripePriceId{annual}{currency.value.upper()}"


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not (self.created or self.replaced)

    def as_response(self) -> dict[str, Any]:
        return {
            "inSync": self.in_sync,
            "created": self.created,
            "replaced": self.replaced,
            "archived": self.archived,
            "message": "in sync" if self.in_sync else f"{len(self.created) + len(self.replaced)} prices written",
        }


def sync_plans_to_stripe(
    caller: Caller | None, *, store: DocumentStore, billing: BillingGateway, clock: Clock
) -> SyncReport:
    if not require_caller(caller).is_admin:
        raise PermissionDenied("admins only")
    report = SyncReport()
    for plan in PLANS.values():
        _sync_plan(plan, store, billing, clock, report)
    return report


def _sync_plan(plan: Plan, store: DocumentStore, billing: BillingGateway, clock: Clock, report: SyncReport) -> None:
    path = f"subscription_plans/{plan.plan_id}"
    doc = store.get(path) or {}
    product_id = doc.get("stripeProductId") or billing.ensure_product(plan.plan_id, f"SOS-Expat AI — {plan.plan_id}")
    update: dict[str, Any] = {**plan.to_document(), "stripeProductId": product_id}
    for currency in Currency:
        for period in BillingPeriod:
            key = price_field(currency, period)
            expected = plan.price(currency, period)
            current_id = doc.get(key)
            current = billing.retrieve_price(current_id) if isinstance(current_id, str) else None
            if current is not None and current.active and current.amount == expected and current.period is period:
                update[key] = current.id
                continue
            # The key names what is replaced: replacing an archived Price is a new intent.
            intent = f"price:{plan.plan_id}:{currency.value}:{period.value}:{expected.minor}:{current_id or 'new'}"
            price = billing.create_price(product_id, expected, period, intent)
            update[key] = price.id
            label = f"{plan.plan_id}/{currency.value}/{period.value}"
            if current is None:
                report.created.append(label)
            else:
                report.replaced.append(label)
                if current.active:
                    billing.archive_price(current.id)
                    report.archived.append(current.id)
    update["syncedAt"] = clock.now()
    store.set(path, update, merge=True)

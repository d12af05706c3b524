"""syncSubscriptionPlansToStripe: one Product per plan, four Prices each, kept in step.

A Price whose amount, currency or interval no longer matches the plan is replaced (a new
Price is created, the old one archived: Stripe Prices are immutable). A second run with
nothing changed creates nothing. Stripe is never called inside a transaction.

The Price ids are stored as the web app reads them (seed 004 §3.1): maps keyed by currency,
`stripePriceId: {EUR, USD}` (monthly) and `stripePriceIdAnnual: {EUR, USD}` (yearly). This
sync is also the migration from the earlier flat fields (`stripePriceIdAnnualEUR`...): their
ids are taken as the current Prices (nothing is re-created) and the flat fields are removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import PermissionDenied
from shared.kernel.money import Currency
from shared.kernel.store import DocumentStore, Transaction
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.domain.plans import PLANS, BillingPeriod, Plan
from shared.subscriptions.ports.billing import BillingGateway


def price_map_field(period: BillingPeriod) -> str:
    """The map of a period's Price ids by currency: `stripePriceId` or `stripePriceIdAnnual`."""
    return "stripePriceIdAnnual" if period is BillingPeriod.YEARLY else "stripePriceId"


def _legacy_field(currency: Currency, period: BillingPeriod) -> str:
    """The flat fields of the earlier layout: `stripePriceIdEUR` ... `stripePriceIdAnnualUSD`."""
    return f"{price_map_field(period)}{currency.value.upper()}"


LEGACY_FIELDS = frozenset(_legacy_field(c, p) for c in Currency for p in BillingPeriod)


def plan_price_id(doc: dict[str, Any], currency: Currency, period: BillingPeriod) -> str | None:
    """The Price id a plan document names for a currency and period (the maps only)."""
    prices = doc.get(price_map_field(period))
    found = prices.get(currency.value.upper()) if isinstance(prices, dict) else None
    return found if isinstance(found, str) and found else None


def _stored_price_id(doc: dict[str, Any], currency: Currency, period: BillingPeriod) -> str | None:
    legacy = doc.get(_legacy_field(currency, period))
    return plan_price_id(doc, currency, period) or (legacy if isinstance(legacy, str) and legacy else None)


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
    doc = repository.load_plan(store, plan.plan_id)
    product_id = doc.get("stripeProductId") or billing.ensure_product(plan.plan_id, f"SOS-Expat AI — {plan.plan_id}")
    update: dict[str, Any] = {**plan.to_document(), "stripeProductId": product_id}
    for period in BillingPeriod:
        update[price_map_field(period)] = {}
    for currency in Currency:
        for period in BillingPeriod:
            ids = update[price_map_field(period)]
            expected = plan.price(currency, period)
            current_id = _stored_price_id(doc, currency, period)
            current = billing.retrieve_price(current_id) if current_id is not None else None
            if current is not None and current.active and current.amount == expected and current.period is period:
                ids[currency.value.upper()] = current.id
                continue
            # The key names what is replaced: replacing an archived Price is a new intent.
            intent = f"price:{plan.plan_id}:{currency.value}:{period.value}:{expected.minor}:{current_id or 'new'}"
            price = billing.create_price(product_id, expected, period, intent)
            ids[currency.value.upper()] = price.id
            label = f"{plan.plan_id}/{currency.value}/{period.value}"
            if current is None:
                report.created.append(label)
            else:
                report.replaced.append(label)
                if current.active:
                    billing.archive_price(current.id)
                    report.archived.append(current.id)
    update["syncedAt"] = clock.now()
    store.run_transaction(lambda tx: _rewrite(tx, plan.plan_id, update))


def _rewrite(tx: Transaction, plan_id: str, update: dict[str, Any]) -> None:
    """The plan document with the sync's fields, without the flat fields of the old layout
    (whatever else it holds is kept)."""
    kept = {k: v for k, v in repository.load_plan(tx, plan_id).items() if k not in LEGACY_FIELDS}
    repository.replace_plan(tx, plan_id, {**kept, **update})

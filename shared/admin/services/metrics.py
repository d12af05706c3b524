"""collectAdminMetrics (hourly): the figures of the dashboard that are states rather than a day's
flow — subscriptions, commissions, withdrawals — each computed by its own area and kept in
`admin_metrics/latest` (and one per day), so the dashboard reads one document."""

from __future__ import annotations

from typing import Any

from shared.admin.adapters import metrics_repository
from shared.affiliates.services.metrics import commission_figures
from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore
from shared.payouts.services.metrics import withdrawal_figures
from shared.subscriptions.services.metrics import subscription_figures


def collect_admin_metrics(*, store: DocumentStore, clock: Clock) -> dict[str, Any]:
    now = clock.now()
    figures = {
        "computedAt": now.isoformat(),
        "subscriptions": subscription_figures(store),
        "commissions": commission_figures(store),
        "withdrawals": withdrawal_figures(store),
    }
    metrics_repository.save(store, now.date().isoformat(), figures)
    return figures


def latest_admin_metrics(store: DocumentStore) -> dict[str, Any] | None:
    return metrics_repository.latest(store)

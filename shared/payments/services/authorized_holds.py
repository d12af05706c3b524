"""Queries over the authorised holds (`payments`), for the areas that settle them."""

from __future__ import annotations

from datetime import datetime

from shared.kernel.store import Document, DocumentStore
from shared.payments.adapters import payment_repository
from shared.payments.domain.payment import PaymentState


def authorized_holds(store: DocumentStore, field: str, at_most: datetime, *, limit: int) -> list[tuple[str, Document]]:
    """Payments still authorised whose `field` (`createdAt`, `captureBefore`) is at most `at_most`."""
    return store.find(
        payment_repository.PAYMENTS,
        [("state", "==", PaymentState.AUTHORIZED.value), (field, "<=", at_most)],
        limit=limit,
    )

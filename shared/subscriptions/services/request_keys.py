"""The Stripe idempotency keys of subscription changes, and a new one after a Stripe outage.

A change's key comes from the request itself: the client's `requestId` (a retry of one tap is
one change at Stripe), else a counter on `subscriptions/{uid}` (`stripeRequestCount`) taken in a
transaction before Stripe is called — never from the last applied event, which cancel ->
reactivate -> cancel before a webhook would reuse.

After an outage the next try of the same request uses the next attempt's key
(`shared.kernel.idempotency`). That is safe because every change is checked against Stripe's
state before it is asked (the plan change retrieves the subscription first; setting
`cancel_at_period_end` twice gives the same state).
"""

from __future__ import annotations

from pydantic import BaseModel

from shared.kernel.fields import RequestId
from shared.kernel.store import DocumentStore
from shared.subscriptions.adapters import subscription_repository as repository


class RequestIdCommand(BaseModel):
    """An optional client-chosen id of one user action: a retry of that action (same id) is one
    change at Stripe; without it, every request is a new change."""

    requestId: RequestId = None


def request_key(store: DocumentStore, uid: str, action: str, request_id: str | None) -> str:
    """The base idempotency key of this request (see the module docstring)."""
    if request_id is not None:
        return f"{action}:req:{request_id}"

    return f"{action}:n{store.run_transaction(lambda tx: repository.next_request_number(tx, uid))}"

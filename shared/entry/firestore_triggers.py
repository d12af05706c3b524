"""Firestore-triggered functions declared without importing the Firestore client at cold start.

`firebase_functions.firestore_fn` imports `google.cloud.firestore_v1` and the event protobufs
(about 100 ms), and every function of a codebase loads the same `main`: declared with it, the
Twilio webhooks and callables of europe-west3 would pay that on each cold start for triggers they
never run. These decorators give a function the endpoint `firestore_fn` would give it (unit
tests compare the two) and hand each event to the function `firestore_fn` builds, imported on
the trigger's first event, so decoding stays the SDK's.

They also declare what `firestore_fn` cannot (firebase-functions 0.6 writes `retry: false` for
every Firestore trigger): a delivery that fails (an exception, a 5xx) is delivered again, with
backoff, for up to a day. Every trigger of the codebases applies its effect once through a ledger
or a state it claims, so a redelivery only completes what a failed one left undone. A failure no
redelivery can cure (a provider's refusal, a rule that says no) is logged as an error and the
event acknowledged, so it is not tried again for a day.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from firebase_functions.options import FirestoreOptions
from firebase_functions.private import path_pattern, util

from shared.kernel.errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PaymentGatewayError,
    PermissionDenied,
)

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent
    from firebase_functions import firestore_fn

CREATED = "google.cloud.firestore.document.v1.created"
UPDATED = "google.cloud.firestore.document.v1.updated"

log = logging.getLogger(__name__)
Handler = Callable[[Any], None]
PERMANENT = (InvalidArgument, NotFound, FailedPrecondition, PermissionDenied, AlreadyExists)
"""The DomainErrors that a redelivery of the same event would meet again."""


def on_document_created(*, retry: bool = True, **options: Any) -> Callable[[Handler], Handler]:
    """`firestore_fn.on_document_created`, with the SDK's event decoding loaded on first use."""
    return _trigger(CREATED, "on_document_created", retry, options)


def on_document_updated(*, retry: bool = True, **options: Any) -> Callable[[Handler], Handler]:
    """`firestore_fn.on_document_updated`, with the SDK's event decoding loaded on first use."""
    return _trigger(UPDATED, "on_document_updated", retry, options)


def _trigger(event_type: str, sdk_decorator: str, retry: bool, kwargs: dict[str, Any]) -> Callable[[Handler], Handler]:
    declared = FirestoreOptions(**kwargs)

    def decorate(func: Handler) -> Handler:
        pattern = path_pattern.PathPattern(util.normalize_path(str(declared.document)))

        @functools.cache
        def sdk_handler() -> Callable[[CloudEvent], None]:
            from firebase_functions import firestore_fn

            handler: Callable[[CloudEvent], None] = getattr(firestore_fn, sdk_decorator)(**kwargs)(func)
            return handler

        @functools.wraps(func)
        def receive(raw: CloudEvent) -> None:
            try:
                sdk_handler()(raw)
            except (DomainError, PaymentGatewayError) as exc:
                if not _permanent(exc):
                    raise
                log.error(
                    "%s gave up on event %s: %s",
                    func.__name__,
                    raw["id"],
                    exc,
                    extra={"json_fields": {"function": func.__name__, "eventId": raw["id"]}},
                )

        endpoint = declared._endpoint(event_type=event_type, func_name=func.__name__, document_pattern=pattern)
        assert endpoint.eventTrigger is not None
        endpoint.eventTrigger["retry"] = retry
        util.set_func_endpoint_attr(receive, endpoint)
        return receive

    return decorate


def documents(event: firestore_fn.Event[Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """An update's document before and after, as plain data (None where there is none)."""
    change = event.data
    before = change.before.to_dict() if change is not None and change.before is not None else None
    after = change.after.to_dict() if change is not None and change.after is not None else None
    return before, after


def _permanent(exc: DomainError | PaymentGatewayError) -> bool:
    if isinstance(exc, PaymentGatewayError):
        return not exc.retryable
    return isinstance(exc, PERMANENT)

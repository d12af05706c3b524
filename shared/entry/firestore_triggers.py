"""Firestore-triggered functions declared without importing `firebase_functions.firestore_fn`.

That module imports the whole Firestore client when it is imported, which costs about as much
as the rest of the SDK: a codebase importing it pays that on every cold start, before any
request. These decorators attach the endpoint the SDK's decorators attach (the same options,
event type and document pattern, built by the SDK's own option classes) and hand the first
event to the SDK's decorator, which parses every event exactly as it would have.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from firebase_functions.options import FirestoreOptions
from firebase_functions.private.path_pattern import PathPattern
from firebase_functions.private.util import normalize_path, set_func_endpoint_attr

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent
    from firebase_functions.firestore_fn import Event

EventHandler = Callable[[Any], None]
CloudEventFunction = Callable[["CloudEvent"], None]

CREATED = "google.cloud.firestore.document.v1.created"
UPDATED = "google.cloud.firestore.document.v1.updated"


def on_document_created(**kwargs: Any) -> Callable[[EventHandler], CloudEventFunction]:
    """`firestore_fn.on_document_created`, with the SDK module imported on the first event."""
    return _declare("on_document_created", CREATED, kwargs)


def on_document_updated(**kwargs: Any) -> Callable[[EventHandler], CloudEventFunction]:
    """`firestore_fn.on_document_updated`, with the SDK module imported on the first event."""
    return _declare("on_document_updated", UPDATED, kwargs)


def _declare(
    sdk_decorator: str, event_type: str, kwargs: dict[str, Any]
) -> Callable[[EventHandler], CloudEventFunction]:
    firestore_options = FirestoreOptions(**kwargs)

    def declare(func: EventHandler) -> CloudEventFunction:
        document_pattern = PathPattern(normalize_path(firestore_options.document))

        @functools.cache
        def sdk_function() -> CloudEventFunction:
            from firebase_functions import firestore_fn

            declared: CloudEventFunction = getattr(firestore_fn, sdk_decorator)(**kwargs)(func)
            return declared

        @functools.wraps(func)
        def wrapped(raw: CloudEvent) -> None:
            sdk_function()(raw)

        endpoint = firestore_options._endpoint(
            event_type=event_type, func_name=func.__name__, document_pattern=document_pattern
        )
        set_func_endpoint_attr(wrapped, endpoint)
        return wrapped

    return declare


def change_of(event: Event[Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The document before and after an update (None where there was none)."""
    data = event.data
    before = data.before.to_dict() if data is not None and data.before is not None else None
    after = data.after.to_dict() if data is not None and data.after is not None else None
    return before, after

"""The Firestore trigger declarations that leave `firestore_fn` (and the Firestore client) to the
first event: the same endpoint as the SDK's decorators, and the same event handed to the body."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import firebase_admin
import pytest
from cloudevents.http import CloudEvent
from firebase_functions import firestore_fn, options

from shared.entry import firestore_triggers

OPTIONS: dict[str, Any] = {
    "document": "payments/{paymentId}",
    "memory": options.MemoryOption.MB_256,
    "max_instances": 1,
}


def _body(event: Any) -> None:
    raise AssertionError("not called")


@pytest.mark.parametrize(
    ("lazy", "sdk"),
    [
        (firestore_triggers.on_document_updated, firestore_fn.on_document_updated),
        (firestore_triggers.on_document_created, firestore_fn.on_document_created),
    ],
)
def test_the_endpoint_is_the_one_the_sdk_decorator_attaches(lazy: Callable[..., Any], sdk: Callable[..., Any]) -> None:
    declared = lazy(**OPTIONS)(_body)
    assert declared.__firebase_endpoint__ == sdk(**OPTIONS)(_body).__firebase_endpoint__
    assert declared.__name__ == "_body"


def _fields(state: str) -> dict[str, Any]:
    return {
        "fields": {"state": {"stringValue": state}},
        "name": "projects/demo-x/databases/(default)/documents/payments/p1",
    }


@pytest.fixture
def no_default_app_left() -> Iterator[None]:
    """The SDK initialises the default app for the event if there is none: delete it after."""
    existed = firebase_admin._DEFAULT_APP_NAME in firebase_admin._apps
    yield
    if not existed and firebase_admin._DEFAULT_APP_NAME in firebase_admin._apps:
        firebase_admin.delete_app(firebase_admin.get_app())


@pytest.mark.usefixtures("no_default_app_left")
def test_an_update_reaches_the_body_as_the_sdk_parses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GCLOUD_PROJECT", "demo-sos-expat")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")  # no request is made
    seen: list[Any] = []

    @firestore_triggers.on_document_updated(**OPTIONS)
    def onPaymentUpdated(event: Any) -> None:
        seen.append((event.params, firestore_triggers.change_of(event)))

    raw = CloudEvent(
        {
            "type": firestore_triggers.UPDATED,
            "source": "//firestore.googleapis.com/projects/demo-sos-expat/databases/(default)",
            "specversion": "1.0",
            "id": "e1",
            "time": "2025-01-01T00:00:00Z",
            "datacontenttype": "application/json",
            "subject": "documents/payments/p1",
            "location": "europe-west3",
            "project": "demo-sos-expat",
            "namespace": "(default)",
            "database": "(default)",
            "document": "payments/p1",
        },
        json.dumps({"oldValue": _fields("authorized"), "value": _fields("captured")}),
    )
    onPaymentUpdated(raw)
    assert seen == [({"paymentId": "p1"}, ({"state": "authorized"}, {"state": "captured"}))]

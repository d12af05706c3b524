"""Firestore triggers are declared as `firestore_fn` declares them, and receive the event it builds,
without `import main` loading the Firestore client (tests/unit/test_cold_import.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cloudevents.http import CloudEvent
from firebase_functions import firestore_fn, options, params

from devtools import manifest
from shared.entry import firestore_triggers
from shared.kernel import errors

ROOT = Path(__file__).resolve().parents[2]
SECRET = params.SecretParam("STRIPE_SECRET_KEY")
DECLARATIONS: list[dict[str, Any]] = [
    {"document": "payments/{paymentId}", "memory": options.MemoryOption.MB_256, "cpu": 0.08, "max_instances": 1},
    {"document": "/sos_profiles/{uid}/", "secrets": [SECRET], "region": "europe-west3", "timeout_sec": 60},
    {"document": "settings/pricing", "concurrency": 1, "cpu": 1, "min_instances": 0},
    {"document": "domain_events/{eventId}", "database": "other", "namespace": "ns"},
]
PAIRS = [
    (firestore_triggers.on_document_created, firestore_fn.on_document_created),
    (firestore_triggers.on_document_updated, firestore_fn.on_document_updated),
]


def _endpoint(function: Any) -> Any:
    return function.__firebase_endpoint__


def onSomething(event: Any) -> None:
    raise AssertionError("never called")


@pytest.mark.parametrize("declared", DECLARATIONS)
@pytest.mark.parametrize(("ours", "sdk"), PAIRS)
def test_a_trigger_declares_the_endpoint_firestore_fn_declares(declared: dict[str, Any], ours: Any, sdk: Any) -> None:
    """The same endpoint, but for the redelivery of a failed event that firestore_fn cannot ask for."""
    expected = _endpoint(sdk(**declared)(onSomething))
    assert expected.eventTrigger["retry"] is False
    expected.eventTrigger["retry"] = True
    assert _endpoint(ours(**declared)(onSomething)) == expected


@pytest.mark.parametrize(("ours", "sdk"), PAIRS)
def test_a_trigger_can_decline_redelivery(ours: Any, sdk: Any) -> None:
    declared = DECLARATIONS[0]
    assert _endpoint(ours(retry=False, **declared)(onSomething)) == _endpoint(sdk(**declared)(onSomething))


def test_every_trigger_of_the_codebases_asks_for_redelivery() -> None:
    """A failed trigger is delivered again (each applies its effect once): none declines it."""
    triggers = [f for f in manifest.build_manifest()["functions"] if f["trigger"].startswith("event:")]
    assert {f["name"] for f in triggers} >= {"onDomainEvent", "sendQueuedSms", "onProviderCreated"}
    assert [f["name"] for f in triggers if f["retry"] is not True] == []


def test_the_two_kinds_of_trigger_declare_different_event_types() -> None:
    """The comparison above would notice an event type swapped between the two decorators."""
    created = _endpoint(firestore_triggers.on_document_created(document="a/{b}")(onSomething))
    updated = _endpoint(firestore_triggers.on_document_updated(document="a/{b}")(onSomething))
    assert created.eventTrigger["eventType"] != updated.eventTrigger["eventType"]


def _raw_update(before: str, after: str) -> CloudEvent:
    def document(state: str) -> dict[str, Any]:
        return {
            "name": "projects/demo-sos/databases/(default)/documents/payments/pi_1",
            "fields": {"state": {"stringValue": state}, "amount": {"integerValue": "4900"}},
            "createTime": "2026-12-07T10:00:00Z",
            "updateTime": "2026-12-07T10:00:01Z",
        }

    attributes = {
        "specversion": "1.0",
        "id": "event-1",
        "source": "//firestore.googleapis.com/projects/demo-sos/databases/(default)",
        "type": firestore_triggers.UPDATED,
        "time": "2026-12-07T10:00:01Z",
        "subject": "documents/payments/pi_1",
        "datacontenttype": "application/json",
        "location": "europe-west3",
        "project": "demo-sos",
        "namespace": "(default)",
        "database": "(default)",
        "document": "payments/pi_1",
    }
    return CloudEvent(attributes, json.dumps({"oldValue": document(before), "value": document(after)}))


def test_a_trigger_receives_the_event_firestore_fn_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "demo-sos")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")  # a client that never connects
    received: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = []

    def handlePaymentReceived(event: firestore_fn.Event[Any]) -> None:
        change = event.data
        received.append((event.params["paymentId"], change.before.to_dict(), change.after.to_dict()))

    trigger = firestore_triggers.on_document_updated(document="payments/{paymentId}")(handlePaymentReceived)
    trigger(_raw_update("authorized", "captured"))
    trigger(_raw_update("captured", "refunded"))

    assert received == [
        ("pi_1", {"state": "authorized", "amount": 4900}, {"state": "captured", "amount": 4900}),
        ("pi_1", {"state": "captured", "amount": 4900}, {"state": "refunded", "amount": 4900}),
    ]


CURABLE = [
    errors.PaymentGatewayError("accounts.create: api_error", retryable=True),
    errors.Unavailable("twilio is down"),
    errors.Aborted("contention"),
    KeyError("providerId"),
]
INCURABLE = [
    errors.PaymentGatewayError("accounts.create: country not supported", retryable=False),
    errors.InvalidArgument("country", "not supported"),
    errors.FailedPrecondition("the provider is suspended"),
    errors.NotFound("no such profile"),
]


def _failing_trigger(exc: Exception) -> Any:
    def handlePaymentReceived(event: Any) -> None:
        raise exc

    return firestore_triggers.on_document_updated(document="payments/{paymentId}")(handlePaymentReceived)


@pytest.mark.parametrize("exc", CURABLE, ids=repr)
def test_a_failure_a_redelivery_may_cure_fails_the_delivery(exc: Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "demo-sos")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")
    with pytest.raises(type(exc)):
        _failing_trigger(exc)(_raw_update("authorized", "captured"))


@pytest.mark.parametrize("exc", INCURABLE, ids=repr)
def test_a_failure_no_redelivery_cures_is_logged_and_acknowledged(
    exc: Exception, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "demo-sos")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")
    _failing_trigger(exc)(_raw_update("authorized", "captured"))
    [record] = [r for r in caplog.records if r.name == "shared.entry.firestore_triggers"]
    assert record.levelname == "ERROR" and "handlePaymentReceived gave up on event event-1" in record.getMessage()


def test_no_codebase_declares_a_trigger_through_firestore_fn() -> None:
    """`firestore_fn` at module level would load the Firestore client into every cold start."""
    for module in sorted(ROOT.glob("functions_west*/*.py")):
        text = module.read_text()
        assert not re.search(r"@firestore_fn\.", text), module
        assert not re.search(r"^from firebase_functions import [\w, ]*\bfirestore_fn\b", text, re.M), module


def test_redelivery_reaches_what_firebase_deploy_reads() -> None:
    """`firebase deploy` reads the codebase's functions.yaml from the SDK's admin server."""
    import yaml
    from firebase_functions.private import serving

    trigger = firestore_triggers.on_document_created(document="sms_outbox/{smsId}")(onSomething)
    spec = yaml.safe_load(serving.functions_as_yaml({"onSomething": trigger}))
    assert spec["endpoints"]["onSomething"]["eventTrigger"]["retry"] is True


def test_documents_gives_an_updates_two_sides_as_plain_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "demo-sos")
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")
    seen: list[Any] = []
    trigger = firestore_triggers.on_document_updated(document="payments/{paymentId}")(
        lambda event: seen.append(firestore_triggers.documents(event))
    )
    trigger(_raw_update("authorized", "captured"))
    assert seen == [({"state": "authorized", "amount": 4900}, {"state": "captured", "amount": 4900})]

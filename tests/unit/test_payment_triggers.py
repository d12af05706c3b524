"""Firestore triggers are delivered at least once: each change has its effect exactly once."""

from typing import Any

import pytest

from shared.payments.services.triggers import (
    on_payment_authorized,
    on_payment_failed,
    on_payment_received,
    on_payment_state,
    on_session_payment_captured,
)
from tests.fakes import FakeClock, InMemoryStore

PAYMENT = {
    "paymentIntentId": "pi_1",
    "callSessionId": "s1",
    "clientId": "client1",
    "providerId": "lawyer1",
    "amount": 4900,
    "currency": "eur",
}


ACCOUNT = "sos_profiles/lawyer1/private/account"


class Triggers:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.clock = FakeClock()
        self.store.set("sos_profiles/lawyer1", {"completedCalls": 4})
        self.store.set(ACCOUNT, {"earningsByCurrency": {"eur": 1000, "usd": 500}})

    def authorized(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
        return on_payment_authorized("pi_1", before, after, store=self.store, now=self.clock.now())

    def captured(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
        return on_session_payment_captured("s1", before, after, store=self.store, now=self.clock.now())

    def state(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str | None:
        return on_payment_state("pi_1", before, after, store=self.store, now=self.clock.now())

    def unchanged(self) -> dict[str, int]:
        return dict(self.store.versions)


@pytest.fixture
def t() -> Triggers:
    return Triggers()


def _payment(state: str, **extra: Any) -> dict[str, Any]:
    return {**PAYMENT, "state": state, **extra}


def _session(captured: bool) -> dict[str, Any]:
    return {
        "providerId": "lawyer1",
        "currency": "eur",
        "amount": 4900,
        "providerEarnings": 3000 if captured else None,
        "paymentCaptured": captured,
    }


# --- onCallSessionPaymentAuthorized -----------------------------------------------------------------


def test_an_authorised_hold_records_one_conversion_event(t: Triggers) -> None:
    assert t.authorized(_payment("pending"), _payment("authorized")) is True
    assert t.store.get("conversion_events/pi_1_payment_authorized") == {
        "type": "payment_authorized",
        "paymentIntentId": "pi_1",
        "callSessionId": "s1",
        "clientId": "client1",
        "providerId": "lawyer1",
        "amount": 4900,
        "currency": "eur",
        "at": t.clock.now(),
    }


def test_a_redelivered_authorisation_does_nothing(t: Triggers) -> None:
    t.authorized(_payment("failed"), _payment("authorized"))
    before = t.unchanged()
    t.clock.advance(60)
    assert t.authorized(_payment("failed"), _payment("authorized")) is False
    assert t.unchanged() == before


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (_payment("authorized"), _payment("authorized", status="requires_capture")),
        (_payment("pending"), _payment("failed")),
        (_payment("authorized"), _payment("captured")),
        (_payment("authorized"), None),
    ],
)
def test_changes_that_are_not_an_authorisation_record_nothing(
    t: Triggers, before: dict[str, Any], after: dict[str, Any] | None
) -> None:
    assert t.authorized(before, after) is False
    assert t.store.collection("conversion_events") == {}


def test_a_payment_created_authorised_counts(t: Triggers) -> None:
    assert t.authorized(None, _payment("authorized")) is True


# --- onCallSessionPaymentCaptured ---------------------------------------------------------------------


def test_a_captured_session_credits_the_provider_once_and_mails_the_earnings(t: Triggers) -> None:
    assert t.captured(_session(False), _session(True)) is True
    assert t.store.get("sos_profiles/lawyer1") == {"completedCalls": 5}
    assert t.store.get(ACCOUNT) == {"earningsByCurrency": {"eur": 4000, "usd": 500}}
    mail = t.store.get("mail/earnings_s1")
    assert mail is not None and mail["toUids"] == ["lawyer1"]
    assert mail["template"] == {
        "name": "provider_earnings",
        "data": {"callSessionId": "s1", "amount": 3000, "currency": "eur"},
    }
    assert t.store.get("processed_events/trigger_captured_s1") is not None


def test_a_redelivered_capture_credits_nothing_more(t: Triggers) -> None:
    t.captured(_session(False), _session(True))
    before = t.unchanged()
    t.clock.advance(60)
    for _ in range(3):
        assert t.captured(_session(False), _session(True)) is False
    assert t.unchanged() == before
    assert t.store.get("sos_profiles/lawyer1") == {"completedCalls": 5}
    assert t.store.get(ACCOUNT) == {"earningsByCurrency": {"eur": 4000, "usd": 500}}


def test_a_first_capture_starts_the_provider_totals(t: Triggers) -> None:
    t.store.set("sos_profiles/lawyer1", {})
    del t.store.docs[ACCOUNT]
    t.captured(_session(False), _session(True))
    assert t.store.get("sos_profiles/lawyer1") == {"completedCalls": 1}
    assert t.store.get(ACCOUNT) == {"earningsByCurrency": {"eur": 3000}}


def test_a_capture_for_a_missing_profile_still_mails_once(t: Triggers) -> None:
    del t.store.docs["sos_profiles/lawyer1"]
    assert t.captured(_session(False), _session(True)) is True
    assert t.store.get("sos_profiles/lawyer1") is None
    assert t.store.get(ACCOUNT) == {"earningsByCurrency": {"eur": 1000, "usd": 500}}
    assert t.store.get("mail/earnings_s1") is not None
    assert t.captured(_session(False), _session(True)) is False


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (_session(True), {**_session(True), "status": "completed"}),
        (_session(False), _session(False)),
        (_session(True), None),
    ],
)
def test_session_changes_other_than_a_capture_credit_nothing(
    t: Triggers, before: dict[str, Any], after: dict[str, Any] | None
) -> None:
    versions = t.unchanged()
    assert t.captured(before, after) is False
    assert t.unchanged() == versions


# --- handlePaymentReceived / handlePaymentFailed --------------------------------------------------------


def test_a_captured_payment_mails_a_receipt(t: Triggers) -> None:
    assert t.state(_payment("authorized"), _payment("captured", lastEventId="evt_9")) == "payment_receipt"
    mail = t.store.get("mail/payment_receipt_pi_1_evt_9")
    assert mail is not None and mail["toUids"] == ["client1"]
    assert mail["template"] == {
        "name": "payment_receipt",
        "data": {"paymentIntentId": "pi_1", "amount": 4900, "currency": "eur"},
    }


def test_a_failed_authorisation_mails_the_client_once_per_failure(t: Triggers) -> None:
    assert t.state(_payment("pending"), _payment("failed", lastEventId="evt_1")) == "payment_failed"
    assert t.state(_payment("pending"), _payment("failed", lastEventId="evt_2")) == "payment_failed"
    assert sorted(t.store.collection("mail")) == ["payment_failed_pi_1_evt_1", "payment_failed_pi_1_evt_2"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (_payment("pending"), _payment("authorized")),
        (_payment("captured"), _payment("captured", updatedAt=1)),
        (_payment("failed"), _payment("failed")),
        (_payment("authorized"), _payment("canceled")),
        (_payment("authorized"), None),
    ],
)
def test_other_payment_changes_mail_nothing(t: Triggers, before: dict[str, Any], after: dict[str, Any] | None) -> None:
    assert t.state(before, after) is None
    assert t.store.collection("mail") == {}


@pytest.mark.parametrize(("state", "template"), [("captured", "payment_receipt"), ("failed", "payment_failed")])
def test_a_redelivered_payment_change_does_nothing(t: Triggers, state: str, template: str) -> None:
    before, after = _payment("authorized" if state == "captured" else "pending"), _payment(state, lastEventId="evt_1")
    t.state(before, after)
    path = f"mail/{template}_pi_1_evt_1"
    # The Trigger Email extension records its delivery on the queued document.
    t.store.set(path, {"delivery": {"state": "SUCCESS", "attempts": 1}}, merge=True)
    delivered = t.store.get(path)
    t.clock.advance(60)
    t.state(before, after)
    assert t.store.get(path) == delivered, "the redelivered trigger rewrote the mail"
    assert list(t.store.collection("mail")) == [f"{template}_pi_1_evt_1"]


def test_each_of_the_two_functions_mails_only_its_own_change(t: Triggers) -> None:
    """handlePaymentReceived and handlePaymentFailed both see every payment change."""
    captured = (_payment("authorized"), _payment("captured", lastEventId="evt_5"))
    failed = (_payment("pending"), _payment("failed", lastEventId="evt_6"))
    now = t.clock.now()
    assert on_payment_failed("pi_1", *captured, store=t.store, now=now) is None
    assert on_payment_received("pi_1", *failed, store=t.store, now=now) is None
    assert t.store.collection("mail") == {}
    assert on_payment_received("pi_1", *captured, store=t.store, now=now) == "payment_receipt"
    assert on_payment_failed("pi_1", *failed, store=t.store, now=now) == "payment_failed"
    assert sorted(t.store.collection("mail")) == ["payment_failed_pi_1_evt_6", "payment_receipt_pi_1_evt_5"]

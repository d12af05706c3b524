"""After registration: the payout method set up once, KYC from the Connect account, admin
decisions with their log rows, and the provider going online only once approved."""

from __future__ import annotations

from typing import Any

import pytest

from shared.accounts.domain.kyc import ConnectAccount, KycStatus
from shared.accounts.ports.connect import ConnectGateway, ExpressAccountRequest
from shared.accounts.services.approval import (
    approve_provider,
    list_pending_providers,
    reject_provider,
    suspend_provider,
)
from shared.accounts.services.availability import set_provider_availability
from shared.accounts.services.commands import (
    AvailabilityCommand,
    ProviderDecisionCommand,
    ProviderIdCommand,
    UpdateProviderProfileCommand,
)
from shared.accounts.services.payout_setup import set_up_payout_method
from shared.accounts.services.profile_editing import update_provider_profile
from shared.accounts.services.stripe_accounts import stripe_onboarding_link
from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS
from shared.kernel import errors
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from shared.kernel.idempotency import attempt_key
from tests.unit.test_provider_registration import World

ADMIN = Caller("admin1", {"role": "admin", "admin": True})


def connect_account(account_id: str = "acct_1", **changes: Any) -> ConnectAccount:
    fields: dict[str, Any] = {
        "id": account_id,
        "details_submitted": False,
        "payouts_enabled": False,
        "transfers": "inactive",
        "currently_due": ("individual.dob.day", "external_account"),
        "past_due": (),
        "disabled_reason": None,
    }
    return ConnectAccount(**{**fields, **changes})


class FakeConnect(ConnectGateway):
    def __init__(self) -> None:
        self.requests: list[ExpressAccountRequest] = []
        self.by_key: dict[str, ConnectAccount] = {}

    def create_express_account(self, request: ExpressAccountRequest) -> ConnectAccount:
        self.requests.append(request)
        return self.by_key.setdefault(request.idempotency_key, connect_account(f"acct_{len(self.by_key) + 1}"))

    def retrieve_account(self, account_id: str) -> ConnectAccount:
        return next(a for a in self.by_key.values() if a.id == account_id)

    def onboarding_link(self, account_id: str, refresh_url: str, return_url: str) -> str:
        return f"https://connect.test/{account_id}"

    def login_link(self, account_id: str) -> str:
        return f"https://dashboard.test/{account_id}"


class Onboarding(World):
    def __init__(self) -> None:
        super().__init__()
        self.connect = FakeConnect()

    def set_up(self, uid: str = "u1") -> str:
        return set_up_payout_method(uid, store=self.store, connect=self.connect, clock=self.clock)

    def private(self, uid: str = "u1") -> dict[str, Any]:
        return self.store.get(f"sos_profiles/{uid}/private/account") or {}

    def profile(self, uid: str = "u1") -> dict[str, Any]:
        return self.store.get(f"sos_profiles/{uid}") or {}

    def decide(self, decision: Any, command: Any, caller: Caller = ADMIN, **data: Any) -> dict[str, Any]:
        result: dict[str, Any] = decision(
            parse_command(command, {"providerId": "u1", **data}), caller, store=self.store, clock=self.clock
        )
        return result

    def go(self, available: Any, uid: str = "u1") -> dict[str, Any]:
        cmd = parse_command(AvailabilityCommand, {"available": available})
        return set_provider_availability(cmd, Caller(uid, {"role": "lawyer"}), store=self.store, clock=self.clock)

    def complete_kyc(self, uid: str = "u1") -> None:
        self.store.set(
            f"sos_profiles/{uid}/private/account", {"kycStatus": "complete", "canReceiveTransfers": True}, merge=True
        )


@pytest.fixture
def w() -> Onboarding:
    world = Onboarding()
    world.directory.add("u1")
    return world


def test_a_stripe_provider_gets_one_prefilled_express_account(w: Onboarding) -> None:
    w.register()
    assert w.set_up() == "stripe_account"
    [request] = w.connect.requests
    assert (request.email, request.country, request.first_name, request.last_name) == (
        "ana@example.test",
        "FR",
        "Ana",
        "Ruiz",
    )
    assert request.idempotency_key == "connect-account:u1"
    private = w.private()
    assert (private["stripeAccountId"], private["kycStatus"], private["canReceiveTransfers"]) == (
        "acct_1",
        "pending",
        False,
    )
    assert "stripeAccountId" not in w.profile()
    assert w.set_up() == "already_set_up" and len(w.connect.requests) == 1, "a redelivery creates nothing"


def test_a_redelivery_racing_the_first_records_the_same_account(w: Onboarding) -> None:
    w.register()
    original = w.connect.create_express_account

    def first_delivery_dies(request: ExpressAccountRequest) -> ConnectAccount:
        created = original(request)
        w.connect.create_express_account = original  # type: ignore[method-assign]
        assert w.set_up() == "stripe_account"  # the redelivery, while the first is in flight
        return created

    w.connect.create_express_account = first_delivery_dies  # type: ignore[method-assign]
    assert w.set_up() == "already_set_up"
    assert w.private()["stripeAccountId"] == "acct_1" and len(w.connect.by_key) == 1


class StripeFailsOnce:
    """The Connect gateway answering one error, as Stripe saves it under the request's key."""

    def __init__(self, connect: FakeConnect, *, retryable: bool) -> None:
        self.connect, self.retryable, self.failed_keys = connect, retryable, set[str]()
        self.original = connect.create_express_account

    def __call__(self, request: ExpressAccountRequest) -> ConnectAccount:
        if not self.failed_keys or request.idempotency_key in self.failed_keys:
            self.connect.requests.append(request)
            self.failed_keys.add(request.idempotency_key)  # Stripe replays the saved answer for that key
            raise errors.PaymentGatewayError("accounts.create: api_error", retryable=self.retryable)
        return self.original(request)


def test_after_a_stripe_server_error_the_redelivery_creates_the_account_under_the_next_key(w: Onboarding) -> None:
    w.register()
    w.connect.create_express_account = StripeFailsOnce(w.connect, retryable=True)  # type: ignore[method-assign]
    with pytest.raises(errors.PaymentGatewayError):
        w.set_up()  # the trigger fails: it is delivered again
    assert (
        attempt_key(w.store, "connect-account:u1") == "connect-account:u1:a1" and "stripeAccountId" not in w.private()
    )
    assert w.set_up() == "stripe_account"
    assert [r.idempotency_key for r in w.connect.requests] == ["connect-account:u1", "connect-account:u1:a1"]
    assert w.private()["stripeAccountId"] == "acct_1"
    assert w.set_up() == "already_set_up" and len(w.connect.requests) == 2


def test_a_refusal_keeps_the_key_and_the_onboarding_link_answers_unavailable(w: Onboarding) -> None:
    w.register()
    w.connect.create_express_account = StripeFailsOnce(w.connect, retryable=False)  # type: ignore[method-assign]
    with pytest.raises(errors.PaymentGatewayError):
        w.set_up()
    assert attempt_key(w.store, "connect-account:u1") == "connect-account:u1"
    provider = Caller("u1", {"role": "lawyer"})
    with pytest.raises(errors.Unavailable):
        stripe_onboarding_link(provider, store=w.store, connect=w.connect, clock=w.clock, return_base="https://a.test")
    assert [r.idempotency_key for r in w.connect.requests] == ["connect-account:u1", "connect-account:u1"]


def test_the_onboarding_link_after_a_failed_trigger_creates_the_account_under_the_next_key(w: Onboarding) -> None:
    w.register()
    w.connect.create_express_account = StripeFailsOnce(w.connect, retryable=True)  # type: ignore[method-assign]
    provider = Caller("u1", {"role": "lawyer"})

    def link() -> dict[str, Any]:
        return stripe_onboarding_link(
            provider, store=w.store, connect=w.connect, clock=w.clock, return_base="https://app.test/payouts"
        )

    with pytest.raises(errors.Unavailable):
        link()  # the trigger's work, done by the link, meets Stripe's 5xx
    assert link() == {"url": "https://connect.test/acct_1", "kind": "onboarding"}
    assert [r.idempotency_key for r in w.connect.requests] == ["connect-account:u1", "connect-account:u1:a1"]


def test_two_failures_on_one_key_move_it_once(w: Onboarding) -> None:
    w.register()
    original = w.connect.create_express_account

    def both_fail(request: ExpressAccountRequest) -> ConnectAccount:
        w.connect.requests.append(request)
        if len(w.connect.requests) == 1:  # the redelivery, on the same key, while the first is in flight
            with pytest.raises(errors.PaymentGatewayError):
                w.set_up()
        raise errors.PaymentGatewayError("accounts.create: api_error", retryable=True)

    w.connect.create_express_account = both_fail  # type: ignore[method-assign]
    with pytest.raises(errors.PaymentGatewayError):
        w.set_up()
    assert attempt_key(w.store, "connect-account:u1") == "connect-account:u1:a1"
    w.connect.create_express_account = original  # type: ignore[method-assign]
    assert w.set_up() == "stripe_account" and w.connect.requests[-1].idempotency_key == "connect-account:u1:a1"


def test_a_paypal_provider_is_active_at_its_account_email_unless_it_gave_one(w: Onboarding) -> None:
    w.register(payoutMethod="paypal")
    assert w.set_up() == "paypal" and w.set_up() == "already_set_up"
    assert (w.private()["paypalEmail"], w.private()["paypalAccountStatus"]) == ("ana@example.test", "active")
    w.directory.add("u2")
    w.register("u2", payoutMethod="paypal", paypalEmail="Pay@Example.test")
    w.set_up("u2")
    assert w.private("u2")["paypalEmail"] == "pay@example.test" and w.connect.requests == []


def test_a_profile_without_a_payout_method_is_left_alone(w: Onboarding) -> None:
    w.store.set("sos_profiles/seeded", {"type": "lawyer", "approvalStatus": "approved"})
    assert w.set_up("seeded") == "nothing_to_do" and w.store.get("sos_profiles/seeded/private/account") is None


@pytest.mark.parametrize(
    ("changes", "status", "transfers"),
    [
        ({}, KycStatus.PENDING, False),
        ({"details_submitted": True, "currently_due": ("external_account",)}, KycStatus.PENDING, False),
        ({"past_due": ("individual.dob.day",)}, KycStatus.NEEDS_ATTENTION, False),
        ({"currently_due": (), "disabled_reason": "requirements.past_due"}, KycStatus.NEEDS_ATTENTION, False),
        ({"currently_due": (), "details_submitted": True}, KycStatus.COMPLETE, False),
        (
            {"currently_due": (), "details_submitted": True, "payouts_enabled": True, "transfers": "active"},
            KycStatus.COMPLETE,
            True,
        ),
    ],
)
def test_kyc_status_and_transfers_from_the_account(changes: dict[str, Any], status: KycStatus, transfers: bool) -> None:
    account = connect_account(**changes)
    assert (account.kyc_status, account.can_receive_transfers) == (status, transfers)


def test_a_webhook_account_object_reads_like_the_sdk_one() -> None:
    raw = {
        "id": "acct_9",
        "details_submitted": True,
        "payouts_enabled": True,
        "capabilities": {"transfers": "active"},
        "requirements": {"currently_due": [], "past_due": [], "disabled_reason": None},
    }
    assert ConnectAccount.from_stripe(raw) == connect_account(
        "acct_9", details_submitted=True, payouts_enabled=True, transfers="active", currently_due=()
    )


def test_approval_needs_a_ready_payout_method_then_makes_the_provider_visible(w: Onboarding) -> None:
    w.register()
    w.set_up()
    with pytest.raises(FailedPrecondition):
        w.decide(approve_provider, ProviderIdCommand)
    assert w.profile()["approvalStatus"] == "pending" and w.store.collection("provider_action_logs").keys() == {
        "u1_registered_1"
    }
    w.complete_kyc()
    assert w.decide(approve_provider, ProviderIdCommand) == {
        "providerId": "u1",
        "approvalStatus": "approved",
        "changed": True,
    }
    assert (w.profile()["isVisible"], w.profile()["availability"]) == (True, "offline")
    assert w.decide(approve_provider, ProviderIdCommand)["changed"] is False
    logs = [log for log in w.store.collection("provider_action_logs").values() if log["action"] == "approved"]
    assert [(log["actor"], log["before"], log["after"]) for log in logs] == [("admin1", "pending", "approved")]


def test_a_paypal_provider_is_approved_once_active(w: Onboarding) -> None:
    w.register(payoutMethod="paypal")
    with pytest.raises(FailedPrecondition):
        w.decide(approve_provider, ProviderIdCommand)
    w.set_up()
    assert w.decide(approve_provider, ProviderIdCommand)["approvalStatus"] == "approved"


def test_reject_and_suspend_hide_the_provider_with_the_reason(w: Onboarding) -> None:
    w.register()
    assert w.decide(reject_provider, ProviderDecisionCommand, reason="no bar number")["approvalStatus"] == "rejected"
    assert w.profile()["isVisible"] is False
    assert w.decide(reject_provider, ProviderDecisionCommand, reason="again")["changed"] is False
    w.complete_kyc()
    w.store.set("sos_profiles/u1", {"approvalStatus": "approved", "isVisible": True}, merge=True)
    w.go(True)
    suspended = w.decide(suspend_provider, ProviderDecisionCommand, reason="complaints")
    assert suspended["approvalStatus"] == "suspended"
    profile = w.profile()
    assert (profile["isVisible"], profile["availability"], profile["isOnline"]) == (False, "offline", False)
    [log] = [log for log in w.store.collection("provider_action_logs").values() if log["action"] == "suspended"]
    assert (log["reason"], log["before"]) == ("complaints", "approved")


def test_a_busy_provider_suspended_mid_call_stays_busy_until_the_call_ends(w: Onboarding) -> None:
    w.register()
    w.store.set("sos_profiles/u1", {"approvalStatus": "approved", "availability": "busy"}, merge=True)
    w.decide(suspend_provider, ProviderDecisionCommand, reason="fraud")
    assert (w.profile()["availability"], w.profile()["approvalStatus"]) == ("busy", "suspended")


def test_admin_callables_refuse_everyone_else_and_unknown_providers(w: Onboarding) -> None:
    w.register()
    provider = Caller("u1", {"role": "lawyer"})
    for decision, command, extra in (
        (approve_provider, ProviderIdCommand, {}),
        (reject_provider, ProviderDecisionCommand, {"reason": "x"}),
        (suspend_provider, ProviderDecisionCommand, {"reason": "x"}),
    ):
        with pytest.raises(PermissionDenied):
            w.decide(decision, command, provider, **extra)
    with pytest.raises(PermissionDenied):
        list_pending_providers(provider, store=w.store)
    with pytest.raises(NotFound):
        w.decide(approve_provider, ProviderIdCommand, providerId="ghost")
    with pytest.raises(InvalidArgument) as raised:
        w.decide(reject_provider, ProviderDecisionCommand, reason="")
    assert raised.value.field == "reason"
    assert w.profile()["approvalStatus"] == "pending"


def test_the_pending_list_holds_only_pending_providers(w: Onboarding) -> None:
    w.register()
    w.directory.add("u2")
    w.register("u2", providerType="expat")
    w.decide(reject_provider, ProviderDecisionCommand, providerId="u2", reason="duplicate")
    listed = list_pending_providers(ADMIN, store=w.store)
    assert [p["providerId"] for p in listed["providers"]] == ["u1"] and listed["truncated"] is False
    assert listed["providers"][0]["createdAt"] == w.clock.now().isoformat()


def test_only_an_approved_idle_provider_goes_online(w: Onboarding) -> None:
    w.register()
    with pytest.raises(FailedPrecondition):
        w.go(True)
    w.store.set("sos_profiles/u1", {"approvalStatus": "approved"}, merge=True)
    w.store.set("sos_profiles/u1/private/account", {"missedCalls": 3, "offlineReason": "missed_calls"}, merge=True)
    assert w.go(True) == {"providerId": "u1", "availability": "available"}
    assert (w.profile()["isOnline"], w.private()["missedCalls"], w.private()["offlineReason"]) == (True, 0, None)
    w.store.set("sos_profiles/u1/private/account", {"currentCallSessionId": "s1"}, merge=True)
    with pytest.raises(FailedPrecondition):
        w.go(False)
    with pytest.raises(InvalidArgument):
        w.go("yes")
    with pytest.raises(PermissionDenied):
        w.go(True, uid="client7")


def account_event(event_id: str, created: int, **changes: Any) -> dict[str, Any]:
    obj = {
        "id": "acct_1",
        "object": "account",
        "metadata": {"providerId": "u1"},
        "details_submitted": False,
        "payouts_enabled": False,
        "capabilities": {"transfers": "inactive"},
        "requirements": {"currently_due": ["external_account"], "past_due": [], "disabled_reason": None},
        **changes,
    }
    return {"id": event_id, "type": "account.updated", "created": created, "data": {"object": obj}}


VERIFIED = {
    "details_submitted": True,
    "payouts_enabled": True,
    "capabilities": {"transfers": "active"},
    "requirements": {"currently_due": [], "past_due": [], "disabled_reason": None},
}


def test_account_updated_records_kyc_and_an_older_event_changes_nothing(w: Onboarding) -> None:
    w.register()
    w.set_up()
    apply = STRIPE_EVENT_HANDLERS["account.updated"]
    w.store.run_transaction(lambda tx: apply(tx, account_event("evt_2", 200, **VERIFIED), w.clock.now()))
    assert (w.private()["kycStatus"], w.private()["canReceiveTransfers"]) == ("complete", True)
    w.store.run_transaction(lambda tx: apply(tx, account_event("evt_1", 100), w.clock.now()))
    assert (w.private()["kycStatus"], w.private()["kycAsOf"]) == ("complete", 200)
    past_due = {"requirements": {"currently_due": [], "past_due": ["individual.id_number"], "disabled_reason": None}}
    w.store.run_transaction(lambda tx: apply(tx, account_event("evt_3", 300, **past_due), w.clock.now()))
    assert w.private()["kycStatus"] == "needs_attention"


def test_account_updated_of_someone_elses_account_changes_nothing(w: Onboarding) -> None:
    w.register()
    w.set_up()
    apply = STRIPE_EVENT_HANDLERS["account.updated"]
    stranger = account_event("evt_9", 500, **VERIFIED)
    stranger["data"]["object"]["id"] = "acct_other"
    w.store.run_transaction(lambda tx: apply(tx, stranger, w.clock.now()))
    unowned = account_event("evt_10", 500, **VERIFIED)
    unowned["data"]["object"]["metadata"] = {}
    w.store.run_transaction(lambda tx: apply(tx, unowned, w.clock.now()))
    assert w.private()["kycStatus"] == "pending"


def test_the_onboarding_link_then_the_dashboard_and_the_kyc_as_stripe_has_it_now(w: Onboarding) -> None:
    w.register()
    provider = Caller("u1", {"role": "lawyer"})

    def link() -> dict[str, Any]:
        return stripe_onboarding_link(
            provider, store=w.store, connect=w.connect, clock=w.clock, return_base="https://app.test/payouts"
        )

    assert link() == {"url": "https://connect.test/acct_1", "kind": "onboarding"}, "a lost trigger is made up for"
    w.connect.by_key["connect-account:u1"] = connect_account(
        details_submitted=True, currently_due=(), payouts_enabled=True, transfers="active"
    )
    assert link() == {"url": "https://dashboard.test/acct_1", "kind": "dashboard"}
    assert (w.private()["kycStatus"], w.private()["canReceiveTransfers"]) == ("complete", True)
    w.directory.add("u2")
    w.register("u2", payoutMethod="paypal")
    with pytest.raises(FailedPrecondition):
        stripe_onboarding_link(
            Caller("u2", {}), store=w.store, connect=w.connect, clock=w.clock, return_base="https://app.test"
        )
    with pytest.raises(PermissionDenied):
        stripe_onboarding_link(
            Caller("client9", {}), store=w.store, connect=w.connect, clock=w.clock, return_base="https://app.test"
        )


def test_a_provider_edits_only_its_public_listing(w: Onboarding) -> None:
    w.register()
    provider = Caller("u1", {"role": "lawyer"})

    def edit(**data: Any) -> dict[str, Any]:
        cmd = parse_command(UpdateProviderProfileCommand, data)
        return update_provider_profile(cmd, provider, store=w.store, clock=w.clock)

    assert edit(lastName=" Ruiz  Diaz ", languages=["es"]) == {"providerId": "u1", "updated": ["languages", "lastName"]}
    profile = w.profile()
    assert (profile["fullName"], profile["languages"], profile["firstName"]) == ("Ana Ruiz Diaz", ["es"], "Ana")
    before = w.written()
    for bad in ({}, {"bio": 5}, {"languages": ["spanish"]}):
        with pytest.raises(InvalidArgument):
            edit(**bad)
    for field in ("approvalStatus", "isVisible", "priceOverrides"):
        with pytest.raises(InvalidArgument) as refused:
            edit(**{field: True}, bio="New bio.")
        assert (refused.value.field, refused.value.message) == (field, f"{field}: is not accepted here")
    assert (w.profile()["approvalStatus"], w.profile()["isVisible"], w.profile().get("bio")) == (
        "pending",
        False,
        profile.get("bio"),
    )
    assert "priceOverrides" not in w.profile() and before == w.written()
    with pytest.raises(PermissionDenied):
        update_provider_profile(
            parse_command(UpdateProviderProfileCommand, {"bio": "x"}), Caller("c1", {}), store=w.store, clock=w.clock
        )

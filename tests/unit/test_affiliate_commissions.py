"""Commissions from the payments area's domain events: earned once per capture (5/2/1 % up the
client's chain, 5 % of the provider's earnings to its referrer), released after the hold
period, given back in proportion to refunds, and balances that always match the ledger."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any, Generic, TypeVar

import pytest

from shared.accounts.services.clients import complete_client_profile
from shared.accounts.services.commands import CompleteClientProfileCommand
from shared.affiliates.adapters import affiliate_repository
from shared.affiliates.domain.affiliate import AffiliateRole, NewAffiliate, Sponsor
from shared.affiliates.services.commissions import apply_domain_event
from shared.affiliates.services.reconciliation import reconcile_wallet
from shared.affiliates.services.release import validate_pending_commissions
from shared.kernel import events
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import FailedPrecondition, InvalidArgument
from shared.kernel.store import DocumentStore
from tests.fakes import FakeClock, InMemoryStore

R, S, T = (
    Sponsor(uid, role)
    for uid, role in (("R", AffiliateRole.CHATTER), ("S", AffiliateRole.INFLUENCER), ("T", AffiliateRole.BLOGGER))
)
CODES = {"R": ("RRRRRRRR", "RRRRRRR2"), "S": ("SSSSSSSS", "SSSSSSS2"), "T": ("TTTTTTTT", "TTTTTTT2")}


StoreT = TypeVar("StoreT", bound=DocumentStore)


class World(Generic[StoreT]):
    """R recruited S who recruited T; the integration tests run it on the Firestore emulator."""

    def __init__(self, store: StoreT) -> None:
        self.store, self.clock = store, FakeClock()
        self.n = 0
        for sponsor, upline in ((R, ()), (S, (R,)), (T, (S, R))):
            client_code, recruitment_code = CODES[sponsor.uid]
            new = NewAffiliate(
                sponsor.uid,
                sponsor.role,
                f"{sponsor.uid}@x.test",
                "A",
                "B",
                "FR",
                "fr",
                client_code,
                recruitment_code,
                upline,
            )
            self.store.run_transaction(
                partial(affiliate_repository.create_affiliate, affiliate=new, now=self.clock.now())
            )

    def client(self, uid: str, code: str | None) -> dict[str, Any]:
        data = {"firstName": "C", "lastName": "L", "country": "FR", "language": "fr", "affiliateCode": code}
        cmd = parse_command(CompleteClientProfileCommand, data)
        return complete_client_profile(cmd, Caller(uid, {"role": "client"}), store=self.store, clock=self.clock)

    def event(self, event_type: str, **data: Any) -> str:
        self.n += 1
        event_id = f"e{self.n}"
        self.store.set(events.event_path(event_id), {"type": event_type, "data": data, "occurredAt": self.clock.now()})
        return event_id

    def deliver(self, event_id: str) -> list[str]:
        return apply_domain_event(
            event_id, self.store.get(events.event_path(event_id)), store=self.store, clock=self.clock
        )

    def capture(
        self, session: str = "s1", amount: int = 4900, earnings: int = 3000, currency: str = "eur", **ids: Any
    ) -> str:
        data = {"callSessionId": session, "paymentIntentId": f"pi_{session}", "amount": amount, "currency": currency}
        data |= {
            "providerEarnings": earnings,
            "clientId": "c1",
            "providerId": "p1",
            "capturedAt": self.clock.now(),
            **ids,
        }
        return self.event(events.PAYMENT_CAPTURED, **data)

    def refund(self, total: int, refund_id: str, session: str = "s1", captured: int = 4900) -> str:
        return self.event(
            events.PAYMENT_REFUNDED,
            callSessionId=session,
            refundId=refund_id,
            refundedTotal=total,
            capturedAmount=captured,
        )

    def commissions(self) -> dict[str, dict[str, Any]]:
        return dict(self.store.find("affiliate_commissions", [], limit=1000))

    def profile(self, sponsor: Sponsor) -> dict[str, Any]:
        return self.store.get(affiliate_repository.profile_path(sponsor.role, sponsor.uid)) or {}

    def balanced(self) -> None:
        for sponsor in (R, S, T):
            report = reconcile_wallet(sponsor.uid, store=self.store)
            assert set(report["difference"].values()) == {0}, report


@pytest.fixture
def w() -> World[InMemoryStore]:
    world = World(InMemoryStore())
    world.client("c1", "tttttttt ")  # T's client code, as typed
    return world


def test_a_capture_earns_three_levels_once_pending_in_usd_at_the_stored_rate(w: World[InMemoryStore]) -> None:
    event = w.capture()
    assert sorted(w.deliver(event)) == ["call_s1_client_1", "call_s1_client_2", "call_s1_client_3"]
    assert w.deliver(event) == [], "a second delivery earns nothing"
    rows = w.commissions()
    assert {cid: (c["beneficiaryId"], c["amount"], c["walletAmount"], c["state"]) for cid, c in rows.items()} == {
        "call_s1_client_1": ("T", 245, 264, "pending"),  # 5 % of 49.00 EUR, at 1.08 USD per EUR, rounded down
        "call_s1_client_2": ("S", 98, 105, "pending"),
        "call_s1_client_3": ("R", 49, 52, "pending"),
    }
    assert {c["fxRate"] for c in rows.values()} == {"1.08"} and {c["fxSource"] for c in rows.values()} == {"default"}
    assert (w.profile(T)["pendingBalance"], w.profile(T)["lifetimeEarned"], w.profile(T)["tirelire"]) == (264, 264, 0)
    w.balanced()


def test_the_providers_referrer_earns_on_the_providers_earnings(w: World[InMemoryStore]) -> None:
    w.store.set("settings/fx", {"eurUsd": "1.10"})
    w.store.run_transaction(lambda tx: None)
    provider = {"firstName": "P", "lastName": "L", "country": "FR", "language": "fr", "affiliateCode": "RRRRRRRR"}
    cmd = parse_command(CompleteClientProfileCommand, provider)
    complete_client_profile(cmd, Caller("p1", {"role": "client"}), store=w.store, clock=w.clock)
    w.deliver(w.capture(currency="usd"))
    rows = w.commissions()
    assert rows["call_s1_provider_1"]["amount"] == 150 and rows["call_s1_provider_1"]["walletAmount"] == 150
    assert rows["call_s1_provider_1"]["fxSource"] == "same_currency"
    assert w.profile(R)["pendingBalance"] == 49 + 150
    w.balanced()


def test_release_after_the_hold_then_a_refund_claws_back_and_a_partial_one_voids_in_proportion(
    w: World[InMemoryStore],
) -> None:
    w.deliver(w.capture())
    w.deliver(w.refund(2450, "re_1"))  # half, while pending
    assert w.commissions()["call_s1_client_1"]["takenBack"] == 132 and w.profile(T)["pendingBalance"] == 132
    assert validate_pending_commissions(w.clock.now() + timedelta(days=6), store=w.store, clock=w.clock) == []
    released = validate_pending_commissions(w.clock.now() + timedelta(days=7), store=w.store, clock=w.clock)
    assert (
        len(released) == 3
        and validate_pending_commissions(w.clock.now() + timedelta(days=8), store=w.store, clock=w.clock) == []
    )
    assert (w.profile(T)["pendingBalance"], w.profile(T)["tirelire"]) == (0, 132)
    w.balanced()
    w.deliver(w.refund(4900, "re_2"))  # the rest, once available: clawed back from the wallet
    rows = w.commissions()
    assert {c["state"] for c in rows.values()} == {"voided"}
    assert (w.profile(T)["tirelire"], w.profile(T)["lifetimeEarned"]) == (0, 0)
    clawbacks = [v for k, v in w.store.docs.items() if k.startswith("wallet_entries/clawback_")]
    assert sorted(e["amount"] for e in clawbacks) == [-132, -52, -26]
    w.balanced()


def test_a_suspended_affiliate_earns_nothing_and_its_share_stays_with_the_platform(w: World[InMemoryStore]) -> None:
    w.store.set(affiliate_repository.profile_path(S.role, "S"), {"status": "suspended"}, merge=True)
    w.deliver(w.capture())
    assert sorted(c["beneficiaryId"] for c in w.commissions().values()) == ["R", "T"]


def test_attribution_is_first_touch_and_refuses_bad_codes_writing_nothing() -> None:
    w = World(InMemoryStore())
    before = dict(w.store.docs)
    for code, error in (("TTTTTTT2", InvalidArgument), ("ZZZZZZZZ", InvalidArgument), ("short", InvalidArgument)):
        with pytest.raises(error) as raised:
            w.client("c9", code)
        assert raised.value.field == "affiliateCode"
    assert w.store.docs == before
    with pytest.raises(InvalidArgument):
        w.client("T", "TTTTTTTT")  # its own code
    assert w.client("c9", "SSSSSSSS")["referredBy"] == "S"
    assert w.client("c9", "TTTTTTTT")["referredBy"] == "S", "the first code stays"
    referral = w.store.get("affiliate_referrals/c9") or {}
    assert referral["chainIds"] == ["S", "R"] and referral["expiresAt"] == referral["attributedAt"] + timedelta(
        days=365
    )
    w.store.set(affiliate_repository.affiliate_path("R"), {"status": "suspended"}, merge=True)
    with pytest.raises(FailedPrecondition):
        w.client("c10", "RRRRRRRR")


def test_an_expired_attribution_earns_nothing(w: World[InMemoryStore]) -> None:
    w.clock.current += timedelta(days=366)
    assert w.deliver(w.capture()) == []


def test_a_provider_registered_with_a_client_code_is_the_affiliates_referral() -> None:
    from tests.unit.test_provider_registration import World as Registration

    w, registration = World(InMemoryStore()), Registration()
    registration.store = w.store
    registration.directory.add("p1", role="client")
    with pytest.raises(InvalidArgument) as raised:
        registration.register("p1", affiliateCode="RRRRRRR2")  # a recruitment code
    assert raised.value.field == "affiliateCode" and not w.store.get("sos_profiles/p1")
    registration.register("p1", affiliateCode="RRRRRRRR")
    assert (w.store.get("users/p1") or {})["referredBy"] == "R"
    assert (w.store.get("affiliate_referrals/p1") or {})["kind"] == "provider"
    w.deliver(w.capture())
    assert [c["beneficiaryId"] for c in w.commissions().values()] == ["R"]

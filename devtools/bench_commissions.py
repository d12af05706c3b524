"""The commission part of `make bench`: the booked client is referred through three levels of
affiliates, and the capture's `payment.captured` event is applied as onDomainEvent does."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from shared.accounts.services.clients import complete_client_profile
from shared.accounts.services.commands import CompleteClientProfileCommand
from shared.affiliates.adapters.affiliate_repository import create_affiliate
from shared.affiliates.domain.affiliate import AffiliateRole, NewAffiliate, Sponsor
from shared.affiliates.services.commissions import apply_domain_event
from shared.kernel import events
from shared.kernel.clock import Clock, SystemClock
from shared.kernel.commands import Caller, parse_command
from shared.kernel.store import DocumentStore

CHAIN = (
    Sponsor("bench_aff_1", AffiliateRole.INFLUENCER),
    Sponsor("bench_aff_2", AffiliateRole.BLOGGER),
    Sponsor("bench_aff_3", AffiliateRole.CHATTER),
)
"""Each recruited by the next; the client comes with the first one's client code."""


class BenchFailed(Exception):
    pass


def refer_through_three_levels(store: DocumentStore, client: Caller, clock: Clock) -> None:
    for n, sponsor in enumerate(CHAIN):
        new = NewAffiliate(
            sponsor.uid,
            sponsor.role,
            f"{sponsor.uid}@bench.test",
            "Bench",
            str(n),
            "FR",
            "fr",
            f"BENCHCL{n + 2}",
            f"BENCHRE{n + 2}",
            CHAIN[n + 1 :],
        )
        store.run_transaction(partial(create_affiliate, affiliate=new, now=clock.now()))
    form = {"firstName": "B", "lastName": "C", "country": "FR", "language": "fr", "affiliateCode": "BENCHCL2"}
    complete_client_profile(parse_command(CompleteClientProfileCommand, form), client, store=store, clock=clock)


def earn(store: DocumentStore, measure: Callable[[str, Callable[[], Any]], Any]) -> None:
    """Apply the booking's one `payment.captured` event, measured; three levels must earn."""
    captured = [doc_id for doc_id, _ in store.find(events.EVENTS, [("type", "==", events.PAYMENT_CAPTURED)])]
    if len(captured) != 1:
        raise BenchFailed(f"the capture queued {len(captured)} payment.captured events")
    event = store.get(events.event_path(captured[0]))
    earned = measure(
        "onDomainEvent payment.captured (3 levels)",
        lambda: apply_domain_event(captured[0], event, store=store, clock=SystemClock()),
    )
    if len(earned) != 3:
        raise BenchFailed(f"three levels earned {earned}")

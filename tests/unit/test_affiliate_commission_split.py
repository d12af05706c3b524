"""The split of a captured call between the provider, three levels of affiliates on each side
and the platform: every cent accounted for, whatever the amounts, rates and chains."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.affiliates.domain.affiliate import AffiliateRole, Sponsor
from shared.affiliates.domain.commissions import (
    BASIS_POINTS,
    Commission,
    CommissionState,
    Rates,
    Side,
    split_capture,
    to_wallet_cents,
)
from shared.wallet.domain.wallet import Balances, Entry, EntryKind, reconcile

A, B, C, D = (Sponsor(uid, AffiliateRole.CHATTER) for uid in "ABCD")
chains = st.lists(st.sampled_from([A, B, C, D]), max_size=4)
rates = st.builds(Rates, *(st.integers(0, BASIS_POINTS) for _ in range(4)))


def test_a_lawyer_call_brought_by_a_three_level_chain() -> None:
    split = split_capture(4900, 3000, [C, B, A], [], Rates())
    assert [(s.side, s.level, s.beneficiary.uid, s.amount) for s in split.shares] == [
        (Side.CLIENT, 1, "C", 245),  # 5 % of 49.00
        (Side.CLIENT, 2, "B", 98),  # 2 %
        (Side.CLIENT, 3, "A", 49),  # 1 %
    ]
    assert split.platform_share == 1900 - 392


def test_the_providers_referrer_earns_on_the_providers_earnings_and_rounds_down() -> None:
    split = split_capture(1999, 1099, [], [D], Rates())
    assert [(s.side, s.base, s.amount) for s in split.shares] == [(Side.PROVIDER, 1099, 54)]  # 54.95 → 54


@given(
    captured=st.integers(0, 10**9),
    earnings_share=st.integers(0, 100),
    client=chains,
    provider=chains,
    rates=rates,
)
def test_every_cent_is_accounted_for(
    captured: int, earnings_share: int, client: list[Sponsor], provider: list[Sponsor], rates: Rates
) -> None:
    earnings = captured * earnings_share // 100
    split = split_capture(captured, earnings, client, provider, rates)
    assert split.provider_earnings + split.commissions + split.platform_share == captured
    assert split.platform_share >= 0 and all(s.amount > 0 for s in split.shares)
    for share in split.shares:
        assert share.amount <= share.base * share.rate // BASIS_POINTS and share.level <= 3
    assert len({(s.side, s.level) for s in split.shares}) == len(split.shares)


@given(amount=st.integers(0, 10**8), rate=st.decimals("0.1", "10", places=4))
def test_the_wallet_amount_rounds_down_at_the_stored_rate(amount: int, rate: Decimal) -> None:
    cents = to_wallet_cents(amount, rate)
    assert cents <= amount * rate < cents + 1


@given(wallet_amount=st.integers(1, 10**6), captured=st.integers(1, 10**6), data=st.data())
def test_successive_partial_refunds_give_back_exactly_the_refunded_share(
    wallet_amount: int, captured: int, data: st.DataObject
) -> None:
    totals = sorted(data.draw(st.lists(st.integers(0, captured), max_size=5)))
    commission, given_back = Commission(wallet_amount, CommissionState.PENDING), 0
    for total in [*totals, *totals[-1:]]:  # the last one delivered twice
        commission, more = commission.after_refund(total, captured)
        given_back += more
    refunded = totals[-1] if totals else 0
    assert given_back == wallet_amount - wallet_amount * (captured - refunded) // captured == commission.taken_back
    commission, more = commission.after_refund(captured, captured)
    assert commission.state is CommissionState.VOIDED and commission.remaining == 0


def test_a_paid_commission_stays_paid_when_clawed_back() -> None:
    paid = Commission(300, CommissionState.PAID)
    after, more = paid.after_refund(4900, 4900)
    assert (after.state, more, after.remaining) == (CommissionState.PAID, 300, 0)
    with pytest.raises(ValueError):
        paid.release()


MOVES = st.sampled_from(["accrue", "void", "release", "claw", "bonus", "withdraw"])


@given(st.lists(st.tuples(MOVES, st.integers(1, 10**5))))
def test_balances_kept_move_by_move_equal_the_ledgers(moves: list[tuple[str, int]]) -> None:
    balances, entries, pending = Balances(), list[Entry](), list[int]()
    for move, amount in moves:
        if move == "accrue":
            balances, pending = balances.accrue(amount), [*pending, amount]
        elif move == "void" and pending:
            balances, pending = balances.void_pending(pending[-1]), pending[:-1]
        elif move == "release" and pending:
            balances = balances.release(pending[-1])
            entries.append(Entry(EntryKind.COMMISSION, pending[-1], "c"))
            pending = pending[:-1]
        elif move in ("claw", "bonus", "withdraw"):
            kind = {"claw": EntryKind.CLAWBACK, "bonus": EntryKind.BONUS, "withdraw": EntryKind.WITHDRAWAL}[move]
            entry = Entry(kind, amount if kind is EntryKind.BONUS else -amount, "x")
            balances, entries = balances.post(entry), [*entries, entry]
    assert reconcile(entries, pending) == balances


def test_entries_carry_their_sign() -> None:
    with pytest.raises(ValueError):
        Entry(EntryKind.CLAWBACK, 5, "x")
    with pytest.raises(ValueError):
        Entry(EntryKind.COMMISSION, -5, "x")

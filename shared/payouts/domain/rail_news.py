"""What a payment rail's news does to a withdrawal. The rails send their news in any order, more
than once: news older than the last applied (by the rail's own clock) changes nothing, a paid
withdrawal only goes back by a reversal, and a failed or rejected one never moves again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.payouts.domain.withdrawal import Withdrawal, WithdrawalStatus


class Outcome(StrEnum):
    PAID = "paid"  # the money reached the receiver
    FAILED = "failed"  # it did not, or came back: the amount returns to the wallet
    WAITING = "waiting"  # on its way (or unclaimed): only the rail's status is recorded


PAYPAL_ITEM_OUTCOMES: dict[str, Outcome] = {
    "SUCCEEDED": Outcome.PAID,
    "FAILED": Outcome.FAILED,
    "RETURNED": Outcome.FAILED,  # among them an UNCLAIMED payout given back after 30 days
    "BLOCKED": Outcome.FAILED,
    "DENIED": Outcome.FAILED,
    "REFUNDED": Outcome.FAILED,
    "REVERSED": Outcome.FAILED,
    "CANCELED": Outcome.FAILED,
    "UNCLAIMED": Outcome.WAITING,
    "HELD": Outcome.WAITING,
}
PAYPAL_ITEM_EVENT = "PAYMENT.PAYOUTS-ITEM."

WISE_STATE_OUTCOMES: dict[str, Outcome] = {
    "outgoing_payment_sent": Outcome.PAID,
    "bounced_back": Outcome.FAILED,
    "funds_refunded": Outcome.FAILED,
    "cancelled": Outcome.FAILED,
    "charged_back": Outcome.FAILED,
}
WISE_STATE_CHANGE = "transfers#state-change"


def wise_outcome(state: str) -> Outcome:
    return WISE_STATE_OUTCOMES.get(state, Outcome.WAITING)


@dataclass(frozen=True)
class RailNews:
    rail_status: str  # the rail's word (SUCCEEDED, outgoing_payment_sent, ...)
    outcome: Outcome
    at: datetime | None  # when it happened, by the rail's clock


def apply_news(withdrawal: Withdrawal, news: RailNews) -> Withdrawal | None:
    """The withdrawal after `news`; None when the news changes nothing."""
    known = withdrawal.rail_status_at
    if news.at is not None and known is not None and news.at <= known:
        return None
    noted = replace(withdrawal, rail_status=news.rail_status, rail_status_at=news.at or known)
    status = withdrawal.status
    why = f"{news.rail_status.lower()} by the payment rail"
    if status is WithdrawalStatus.PROCESSING:
        if news.outcome is Outcome.PAID:
            return noted.complete()
        if news.outcome is Outcome.FAILED:
            return noted.fail(why)
        return noted
    if status is WithdrawalStatus.COMPLETED and news.outcome is Outcome.FAILED:
        return noted.reverse(why)
    return None

"""What the payouts area does to an affiliate's wallet, inside its own transaction: a withdrawal
is debited (only when the wallet is unlocked and holds enough), a failed or rejected one is
credited back. Two steps because a Firestore transaction reads everything before it writes:
`prepare_debit` reads and checks, `debit` and `credit_back` write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.affiliates.adapters import affiliate_repository
from shared.affiliates.domain.affiliate import AffiliateRole, AffiliateStatus
from shared.kernel.errors import FailedPrecondition, PermissionDenied
from shared.kernel.store import Document, Transaction
from shared.wallet.domain.wallet import Balances, Entry, EntryKind, withdrawable
from shared.wallet.services import ledger


@dataclass(frozen=True)
class Wallet:
    """An affiliate's wallet as read in the caller's transaction."""

    uid: str
    role: AffiliateRole
    profile: Document

    @property
    def balances(self) -> Balances:
        return Balances.from_document(self.profile)


def read_wallet(tx: Transaction, uid: str) -> Wallet:
    found = affiliate_repository.read_affiliate(tx, uid)
    if found is None:
        raise PermissionDenied("withdrawals are for affiliates")
    entry, profile = found
    return Wallet(uid, AffiliateRole(entry["role"]), profile)


def prepare_debit(tx: Transaction, uid: str, amount: int) -> Wallet:
    """The wallet a withdrawal of `amount` may be taken from; why not otherwise."""
    wallet = read_wallet(tx, uid)
    if wallet.profile.get("status") != AffiliateStatus.ACTIVE.value:
        raise FailedPrecondition("this account cannot withdraw now: it is not active")
    if wallet.profile.get("commissionUnlocked") is not True:
        raise FailedPrecondition("withdrawals open once $150 of your commissions have become available")
    if not withdrawable(wallet.balances, amount):
        raise FailedPrecondition(
            f"amountCents: only {max(wallet.balances.available, 0)} cents are available", field="amountCents"
        )
    return wallet


def debit(tx: Transaction, wallet: Wallet, amount: int, withdrawal_id: str, *, now: datetime) -> Balances:
    entry = Entry(EntryKind.WITHDRAWAL, -amount, f"withdrawal:{withdrawal_id}")
    return _post(tx, wallet, f"withdrawal_{withdrawal_id}", entry, now, withdrawal_id)


def credit_back(tx: Transaction, wallet: Wallet, amount: int, withdrawal_id: str, *, now: datetime) -> Balances:
    """A withdrawal that failed or was rejected gives its amount back (once)."""
    entry = Entry(EntryKind.WITHDRAWAL_REVERSAL, amount, f"withdrawal:{withdrawal_id}")
    return _post(tx, wallet, f"withdrawal_reversal_{withdrawal_id}", entry, now, withdrawal_id)


def _post(tx: Transaction, wallet: Wallet, entry_id: str, entry: Entry, now: datetime, withdrawal_id: str) -> Balances:
    balances = ledger.post(
        tx, entry_id, wallet.uid, entry, wallet.balances, now=now, details={"withdrawalId": withdrawal_id}
    )
    tx.update(
        affiliate_repository.profile_path(wallet.role, wallet.uid), {**balances.to_document(), "walletUpdatedAt": now}
    )
    return balances


def link_telegram(tx: Transaction, wallet: Wallet, telegram_id: int, bonus: int, *, now: datetime) -> Balances:
    """The affiliate's Telegram account is linked: the onboarding bonus is credited once, locked
    until the wallet is unlocked (at once if it already is)."""
    balances = wallet.balances
    fields: dict[str, object] = {"telegramStatus": "linked", "telegramId": telegram_id, "telegramLinkedAt": now}
    if bonus > 0 and not wallet.profile.get("telegramBonusAt"):
        entry = Entry(EntryKind.BONUS, bonus, f"telegram:{telegram_id}")
        balances = ledger.post(tx, f"bonus_telegram_{wallet.uid}", wallet.uid, entry, balances, now=now)
        if wallet.profile.get("commissionUnlocked") is True:
            unlock = Entry(EntryKind.BONUS_UNLOCK, bonus, f"unlock:{wallet.uid}")
            balances = ledger.post(tx, f"bonus_unlock_{wallet.uid}", wallet.uid, unlock, balances, now=now)
        fields["telegramBonusAt"] = now
    tx.update(
        affiliate_repository.profile_path(wallet.role, wallet.uid),
        {**balances.to_document(), **fields, "walletUpdatedAt": now},
    )
    return balances


def record_paid_out(tx: Transaction, wallet: Wallet, amount: int, *, now: datetime) -> None:
    """A withdrawal was paid: what the commissions marked `paid` may add up to grows by it (a
    negative amount: a paid one the rail took back)."""
    withdrawn = int(wallet.profile.get("withdrawnTotal") or 0) + amount
    tx.update(
        affiliate_repository.profile_path(wallet.role, wallet.uid), {"withdrawnTotal": withdrawn, "updatedAt": now}
    )

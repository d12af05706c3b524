"""The affiliates' documents in Firestore, read and written only here.

- `{role}_profiles/{uid}` (`chatter_profiles`, `influencer_profiles`, `blogger_profiles`,
  `group_admin_profiles`): what the affiliate's dashboard shows (names, role fields, codes,
  balances in minor units, Telegram onboarding); read by its owner and admins only.
- `affiliates/{uid}`: the index every other flow reads: role, status, codes and the upline
  (`[{uid, role}]`, level 1 first, three levels at most; `uplineIds` the same uids, queried for
  a team).
- `affiliate_codes/{code}`: who owns a code and of which kind; created once (`create`), so two
  sign-ups never hold the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.affiliates.domain.affiliate import AffiliateRole, NewAffiliate, Sponsor
from shared.affiliates.domain.codes import CodeKind
from shared.kernel.store import Collection, Document, DocumentStore, Transaction

AFFILIATES = Collection("affiliates")
CODES = Collection("affiliate_codes")


def profile_path(role: AffiliateRole, uid: str) -> str:
    return f"{role.profile_collection}/{uid}"


affiliate_path = AFFILIATES.doc
code_path = CODES.doc


@dataclass(frozen=True)
class CodeOwner:
    """The affiliate behind a code, as its index entry has it now."""

    code: str
    uid: str
    role: AffiliateRole
    kind: CodeKind
    status: str
    upline: tuple[Sponsor, ...]

    @property
    def sponsor(self) -> Sponsor:
        return Sponsor(self.uid, self.role)


def _upline(entry: Document) -> tuple[Sponsor, ...]:
    return tuple(Sponsor(str(s["uid"]), AffiliateRole(s["role"])) for s in entry.get("upline") or ())


def code_owner(reader: DocumentStore | Transaction, code: str) -> CodeOwner | None:
    """The owner of `code` (already normalised by `parse_code`); None when no affiliate holds it.
    Two reads: the code, then its affiliate's index entry."""
    found = reader.get(code_path(code))
    if found is None:
        return None
    entry = reader.get(affiliate_path(str(found["uid"])))
    if entry is None:
        return None
    return CodeOwner(
        code=code,
        uid=str(found["uid"]),
        role=AffiliateRole(found["role"]),
        kind=CodeKind(found["kind"]),
        status=str(entry.get("status")),
        upline=_upline(entry),
    )


def codes_free(tx: Transaction, *codes: str) -> bool:
    """True when no affiliate holds any of `codes`. Read in the transaction that creates them,
    so a concurrent sign-up creating one of them makes this transaction run again."""
    return all(tx.get(code_path(code)) is None for code in codes)


def create_affiliate(tx: Transaction, affiliate: NewAffiliate, now: datetime) -> None:
    """The profile, the index entry and both code documents of a new affiliate (each created:
    the commit fails if one exists)."""
    tx.create(profile_path(affiliate.role, affiliate.uid), affiliate.profile(now))
    tx.create(affiliate_path(affiliate.uid), affiliate.index_entry(now))
    for code, document in affiliate.codes(now).items():
        tx.create(code_path(code), document)


def team_of(store: DocumentStore, uid: str, *, limit: int = 10_000) -> list[Document]:
    """The index entries of the affiliates with `uid` in their upline (three levels down)."""
    return [doc for _, doc in store.find(AFFILIATES, [("uplineIds", "array_contains", uid)], limit=limit)]


def affiliate_ids(store: DocumentStore, *, limit: int) -> list[str]:
    """Every affiliate's uid, at most `limit`."""
    return [uid for uid, _ in store.find(AFFILIATES, [], limit=limit)]


def read_affiliate(reader: DocumentStore | Transaction, uid: str) -> tuple[Document, Document] | None:
    """The index entry and the profile of `uid`; None when it is no affiliate."""
    entry = reader.get(affiliate_path(uid))
    if entry is None:
        return None
    profile = reader.get(profile_path(AffiliateRole(entry["role"]), uid))
    return (entry, profile) if profile is not None else None


def update_profile(store: DocumentStore, role: AffiliateRole, uid: str, fields: dict[str, Any]) -> None:
    """Fields the affiliate chose (preferences); balances are only written in the ledger's transactions."""
    store.set(profile_path(role, uid), fields, merge=True)


def add_badges(tx: Transaction, role: AffiliateRole, uid: str, profile: Document, badges: list[str]) -> None:
    """Badges join the profile's list once (in the transaction that earned them)."""
    held = list(profile.get("badges") or [])
    tx.update(profile_path(role, uid), {"badges": held + [b for b in badges if b not in held]})

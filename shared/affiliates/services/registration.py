"""registerChatter, registerInfluencer, registerBlogger, registerGroupAdmin: a visitor becomes an
affiliate with its own account, all or nothing.

Everything that can refuse the sign-up is checked before anything is created (the input, then
the recruitment code); then the Auth account, its role claim, and one transaction writing the
user document, the role's profile, the `affiliates` entry and the two codes. When a step after
the account fails, the account is deleted (best effort, logged when that fails too) and the error
raised again, so the same sign-up sent again starts from nothing.
"""

from __future__ import annotations

import logging
import random
import secrets
from datetime import datetime
from functools import partial
from typing import Any

from shared.accounts.ports.directory import AccountDirectory, DirectoryError, EmailAlreadyUsed, PasswordRefused
from shared.accounts.services.users import create_user
from shared.affiliates.adapters.affiliate_repository import (
    CodeOwner,
    code_owner,
    codes_free,
    create_affiliate,
    read_affiliate,
)
from shared.affiliates.domain.affiliate import AffiliateStatus, NewAffiliate, upline_below
from shared.affiliates.domain.codes import CodeKind, generate_code
from shared.affiliates.services.commands import AffiliateSignUpCommand
from shared.kernel.clock import Clock
from shared.kernel.errors import Aborted, AlreadyExists, FailedPrecondition, InvalidArgument, Unavailable
from shared.kernel.store import DocumentStore, Transaction

log = logging.getLogger(__name__)

CODE_ATTEMPTS = 5
"""Transactions tried with new codes when one drawn is taken (about 1 in 10^11 per draw)."""


def register_affiliate(
    cmd: AffiliateSignUpCommand,
    *,
    store: DocumentStore,
    directory: AccountDirectory,
    clock: Clock,
    rng: random.Random | None = None,
) -> dict[str, str]:
    """`{uid, affiliateCodeClient, affiliateCodeRecruitment}` of the new affiliate."""
    recruiter_of(store, cmd.recruitmentCode)
    uid = _create_account(directory, cmd)
    try:
        affiliate = _complete(cmd, uid, store=store, directory=directory, now=clock.now(), rng=rng)
    except BaseException:
        _delete_account(directory, uid)
        raise
    return {
        "uid": uid,
        "affiliateCodeClient": affiliate.client_code,
        "affiliateCodeRecruitment": affiliate.recruitment_code,
    }


def affiliate_role_of(reader: DocumentStore | Transaction, uid: str) -> str | None:
    """The affiliate role `uid` holds, if it is an affiliate."""
    found = read_affiliate(reader, uid)
    return str(found[0]["role"]) if found is not None else None


def recruiter_of(reader: DocumentStore | Transaction, code: str | None) -> CodeOwner | None:
    """The active affiliate whose recruitment code is `code`; None without a code."""
    if code is None:
        return None
    owner = code_owner(reader, code)
    if owner is None:
        raise InvalidArgument("recruitmentCode", "is not the code of any affiliate")
    if owner.kind is not CodeKind.RECRUITMENT:
        raise InvalidArgument("recruitmentCode", "is a client code: ask your recruiter for their recruitment code")
    if owner.status != AffiliateStatus.ACTIVE:
        raise FailedPrecondition("recruitmentCode: this affiliate cannot recruit now", field="recruitmentCode")
    return owner


def _create_account(directory: AccountDirectory, cmd: AffiliateSignUpCommand) -> str:
    try:
        return directory.create_account(cmd.email, cmd.password, f"{cmd.firstName} {cmd.lastName}")
    except EmailAlreadyUsed:
        raise AlreadyExists("email: an account with this e-mail address exists; sign in", field="email") from None
    except PasswordRefused:
        raise InvalidArgument("password", "is too weak; choose a longer one") from None
    except DirectoryError as exc:
        raise Unavailable("could not create the account; retry shortly") from exc


def _complete(
    cmd: AffiliateSignUpCommand,
    uid: str,
    *,
    store: DocumentStore,
    directory: AccountDirectory,
    now: datetime,
    rng: random.Random | None,
) -> NewAffiliate:
    try:
        directory.grant_role(uid, cmd.ROLE.value)
    except DirectoryError as exc:
        raise Unavailable("could not set up the account; nothing was kept, send the sign-up again") from exc
    draw = rng or secrets.SystemRandom()
    for _ in range(CODE_ATTEMPTS):
        client, recruitment = _two_codes(draw)
        created = store.run_transaction(
            partial(_write, cmd=cmd, uid=uid, client=client, recruitment=recruitment, now=now)
        )
        if created is not None:
            return created
        log.info("affiliate code drawn twice; drawing again")
    raise Aborted("could not give this account its codes; send the sign-up again")


def _two_codes(rng: random.Random) -> tuple[str, str]:
    client = generate_code(rng)
    recruitment = generate_code(rng)
    while recruitment == client:
        recruitment = generate_code(rng)
    return client, recruitment


def _write(
    tx: Transaction, *, cmd: AffiliateSignUpCommand, uid: str, client: str, recruitment: str, now: datetime
) -> NewAffiliate | None:
    """One try: None when a code is taken (nothing written)."""
    recruiter = recruiter_of(tx, cmd.recruitmentCode)  # again: it may have changed since the check
    upline = () if recruiter is None else upline_below(recruiter.sponsor, recruiter.upline, newcomer=uid)
    if not codes_free(tx, client, recruitment):
        return None
    affiliate = NewAffiliate(
        uid=uid,
        role=cmd.ROLE,
        email=cmd.email,
        first_name=cmd.firstName,
        last_name=cmd.lastName,
        country=cmd.country,
        language=cmd.language,
        client_code=client,
        recruitment_code=recruitment,
        upline=upline,
        role_fields=cmd.role_fields(),
    )
    create_affiliate(tx, affiliate, now)
    create_user(
        tx,
        uid,
        email=cmd.email,
        role=cmd.ROLE.value,
        first_name=cmd.firstName,
        last_name=cmd.lastName,
        country=cmd.country,
        language=cmd.language,
        now=now,
    )
    return affiliate


def _delete_account(directory: AccountDirectory, uid: str) -> None:
    try:
        directory.delete_account(uid)
    except Exception:
        log.exception("affiliate sign-up failed and its account %s could not be deleted: delete it by hand", uid)


def affiliate_links(reader: DocumentStore | Transaction, uid: str) -> dict[str, Any] | None:
    """What ties `uid` to the affiliate programme as an affiliate: role, codes, upline."""
    found = read_affiliate(reader, uid)
    if found is None:
        return None
    entry = found[0]
    keep = ("role", "status", "affiliateCodeClient", "affiliateCodeRecruitment", "upline")
    return {k: entry.get(k) for k in keep}

"""registerProvider: a signed-in account becomes a pending provider, all or nothing.

One transaction creates the public profile, the private account (phone sealed), the user
document's role and the `provider_action_logs` row; the role claim is set after it commits.
If that last step fails, the same request again finds the profile and only sets the claim, so a
retry finishes the registration and a second registration of a finished one is ALREADY_EXISTS.
The payout method is set up by `onProviderCreated` (west3) from the created profile. An
affiliate's client code (`affiliateCode`) makes the provider that affiliate's referral (first touch).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.accounts.domain.provider import ROLES_THAT_MAY_REGISTER, ProviderApplication, ProviderType
from shared.accounts.ports.directory import AccountDirectory, DirectoryError
from shared.accounts.services.commands import RegisterProviderCommand
from shared.accounts.services.provider_profiles import account_path, action_log_path, profile_path
from shared.accounts.services.users import user_path
from shared.affiliates.services import attribution
from shared.calls.ports.phone_vault import PhoneVault
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import AlreadyExists, FailedPrecondition, InvalidArgument, PermissionDenied, Unavailable
from shared.kernel.store import DocumentStore, Transaction


def register_provider(
    cmd: RegisterProviderCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    directory: AccountDirectory,
    vault: PhoneVault,
    clock: Clock,
) -> dict[str, Any]:
    """`{providerId, type, approvalStatus}` of the registered provider."""
    user = require_caller(caller)
    try:
        account = directory.account(user.uid)
    except DirectoryError as exc:
        raise Unavailable("could not read the account; retry shortly") from exc
    if account is None:
        raise PermissionDenied("this account no longer exists")
    provider_roles = {t.value for t in ProviderType}
    if account.role not in ROLES_THAT_MAY_REGISTER and account.role not in provider_roles:
        raise PermissionDenied(f"a {account.role} account cannot register as a provider")
    if cmd.payoutMethod.value == "paypal" and not (cmd.paypalEmail or account.email):
        raise InvalidArgument("paypalEmail", "is required: this account has no e-mail address")
    application = ProviderApplication(
        uid=user.uid,
        provider_type=cmd.providerType,
        first_name=cmd.firstName,
        last_name=cmd.lastName,
        country=cmd.country,
        languages=cmd.languages,
        phone=cmd.phone,
        specialties=cmd.specialties,
        bio=cmd.bio,
        payout_method=cmd.payoutMethod,
        email=account.email,
        paypal_email=cmd.paypalEmail,
    )
    sealed = vault.seal(application.phone)
    now = clock.now()
    code = cmd.affiliateCode
    profile, created = store.run_transaction(lambda tx: _create(tx, application, sealed, code, now))
    registered = {"providerId": user.uid, "type": str(profile["type"]), "approvalStatus": profile["approvalStatus"]}
    if account.role == registered["type"]:
        if not created:
            raise AlreadyExists("this account is already registered as a provider")
        return registered
    try:
        directory.grant_role(user.uid, registered["type"])
    except DirectoryError as exc:
        raise Unavailable("the profile is saved but the role could not be set; send the same request again") from exc
    return registered


def _create(
    tx: Transaction, application: ProviderApplication, sealed: str, affiliate_code: str | None, now: datetime
) -> tuple[dict[str, Any], bool]:
    existing = tx.get(profile_path(application.uid))
    user = tx.get(user_path(application.uid))
    referral = attribution.resolve(tx, application.uid, affiliate_code) if existing is None else None
    if existing is not None:
        if existing.get("type") not in {t.value for t in ProviderType}:
            raise FailedPrecondition("this account has a profile that is not a provider's")
        return existing, False  # registered before: the caller only finishes what is missing
    profile = application.public_profile(now)
    tx.create(profile_path(application.uid), profile)
    tx.set(account_path(application.uid), application.private_account(sealed, now))
    created_at = {} if user is not None and user.get("createdAt") else {"createdAt": now}
    referred = attribution.record(tx, referral, kind="provider", now=now) if referral is not None else {}
    tx.set(user_path(application.uid), {**application.user_document(now), **created_at, **referred}, merge=True)
    tx.create(
        action_log_path(application.uid, "registered", "1"),
        {
            "providerId": application.uid,
            "action": "registered",
            "actor": application.uid,
            "details": {"type": application.role, "payoutMethod": application.payout_method.value},
            "at": now,
        },
    )
    return profile, True

"""listUsers, getUser, setUserRole, disableUser and enableUser (admins): the accounts area does
the work; each answer carries what the audit row keeps."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from shared.accounts.ports.directory import AccountDirectory
from shared.accounts.services import admin_users
from shared.admin.domain.audit import AdminOutcome
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller
from shared.kernel.errors import InvalidArgument
from shared.kernel.fields import DocumentId
from shared.kernel.store import DocumentStore, as_answer


class ListUsersCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: (
        Literal["client", "lawyer", "expat", "expat_aidant", "chatter", "influencer", "blogger", "group_admin"] | None
    ) = None
    status: Literal["active", "disabled"] | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2)
    createdAfter: datetime | None = None
    pageSize: int = Field(default=50, ge=1, le=200)
    pageToken: str | None = None

    @model_validator(mode="after")
    def _token(self) -> ListUsersCommand:
        if self.pageToken is not None:
            try:
                datetime.fromisoformat(self.pageToken)
            except ValueError:
                raise InvalidArgument("pageToken", "is not a token this function gave") from None
        return self


class UserIdCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uid: DocumentId


class SetUserRoleCommand(UserIdCommand):
    role: (
        Literal["client", "lawyer", "expat", "expat_aidant", "chatter", "influencer", "blogger", "group_admin"] | None
    ) = None
    admin: StrictBool | None = None

    @model_validator(mode="after")
    def _something(self) -> SetUserRoleCommand:
        if self.role is None and self.admin is None:
            raise InvalidArgument("role", "give a role, or admin: true or false")
        return self


def list_users(cmd: ListUsersCommand, admin: Caller, *, store: DocumentStore) -> dict[str, Any]:
    return admin_users.list_users(
        store,
        role=cmd.role,
        status=cmd.status,
        country=cmd.country,
        created_after=cmd.createdAfter,
        page_size=cmd.pageSize,
        page_token=cmd.pageToken,
    )


def get_user(cmd: UserIdCommand, admin: Caller, *, store: DocumentStore, directory: AccountDirectory) -> dict[str, Any]:
    """The account (document, claims, Auth state, provider profile) and what the other areas know
    of it: its latest calls and payments, its subscription, its affiliate links."""
    from shared.affiliates.services.registration import affiliate_links
    from shared.calls.services.session_lookup import sessions_of
    from shared.payments.services.payment_records import payments_of
    from shared.subscriptions.services.metrics import subscription_of

    record = admin_users.user_record(store, directory, cmd.uid)
    subscription = subscription_of(store, cmd.uid)
    return {
        **record,
        "sessions": sessions_of(store, cmd.uid),
        "payments": [as_answer(p) for p in payments_of(store, cmd.uid)],
        "subscription": as_answer(subscription) if subscription else None,
        "affiliate": as_answer(affiliate_links(store, cmd.uid)),
        "referredBy": record.get("referredBy"),
    }


def set_user_role(
    cmd: SetUserRoleCommand, admin: Caller, *, store: DocumentStore, directory: AccountDirectory
) -> AdminOutcome:
    before, after = admin_users.set_user_role(store, directory, admin, cmd.uid, role=cmd.role, is_admin=cmd.admin)
    return AdminOutcome({"uid": cmd.uid, "claims": after}, target=f"user:{cmd.uid}", before=before, after=after)


def set_user_disabled(
    cmd: UserIdCommand,
    admin: Caller,
    disabled: bool,
    *,
    store: DocumentStore,
    directory: AccountDirectory,
    clock: Clock,
) -> AdminOutcome:
    before, after = admin_users.set_user_disabled(store, directory, admin, cmd.uid, disabled, now=clock.now())
    return AdminOutcome({"uid": cmd.uid, "disabled": disabled}, target=f"user:{cmd.uid}", before=before, after=after)

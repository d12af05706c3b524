"""A provider's application to the marketplace, and what it becomes in the documents.

A registered provider starts pending, hidden and offline: an admin approves it (after its payout
method is ready) before anyone can book it. The public profile holds what the web app lists; the
private account what only the provider and admins read (firestore.rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class ProviderType(StrEnum):
    LAWYER = "lawyer"
    EXPAT = "expat"


class PayoutMethod(StrEnum):
    STRIPE = "stripe"  # a Connect Express account, paid by destination charge
    PAYPAL = "paypal"  # paid from the platform balance by PayPal Payouts


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


# Roles an account may have when it registers as a provider: a new account, or a client one
# (the web app signs every account up as a client first). The role claim becomes the type.
ROLES_THAT_MAY_REGISTER = frozenset({None, "client"})


@dataclass(frozen=True)
class ProviderApplication:
    uid: str
    provider_type: ProviderType
    first_name: str
    last_name: str
    country: str  # ISO 3166-1 alpha-2
    languages: tuple[str, ...]
    phone: str  # E.164, a mobile
    specialties: tuple[str, ...]
    bio: str
    payout_method: PayoutMethod
    email: str | None
    paypal_email: str | None

    @property
    def role(self) -> str:
        return self.provider_type.value

    def public_profile(self, now: datetime) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "type": self.provider_type.value,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "fullName": f"{self.first_name} {self.last_name}",
            "country": self.country,
            "languages": list(self.languages),
            "specialties": list(self.specialties),
            "bio": self.bio,
            "approvalStatus": ApprovalStatus.PENDING.value,
            "isVisible": False,
            "isAvailable": False,
            "isOnline": False,
            "availability": "offline",
            "payoutMethod": self.payout_method.value,
            "completedCalls": 0,
            "createdAt": now,
            "updatedAt": now,
        }

    def private_account(self, phone_sealed: str, now: datetime) -> dict[str, Any]:
        account: dict[str, Any] = {"email": self.email, "phoneSealed": phone_sealed, "createdAt": now}
        if self.payout_method is PayoutMethod.PAYPAL:
            account["paypalEmail"] = self.paypal_email or self.email
        return account

    def user_document(self, now: datetime) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "email": self.email,
            "role": self.role,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "country": self.country,
            "language": self.languages[0],
            "updatedAt": now,
        }

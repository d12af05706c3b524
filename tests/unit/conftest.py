"""Unit tests run callables without Firestore: the disabled-account check every signed-in
callable makes reads an in-memory `users` collection (empty: nobody is disabled)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.accounts.services.admin_users import ensure_enabled
from shared.entry import callables
from tests.fakes import InMemoryStore


@pytest.fixture(autouse=True)
def accounts_without_firestore(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemoryStore]:
    users = InMemoryStore()
    monkeypatch.setattr(callables, "ACCOUNT_CHECK", lambda uid: ensure_enabled(users, uid))
    yield users

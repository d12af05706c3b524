"""getSettings, updateSettings and revertSettings (admins). A change is merged into what is in
force, validated by the model the services read it with (a bad value is INVALID_ARGUMENT naming
the field, and nothing is written), and written in one transaction with its version in
`settings_history`; a revert writes an old version's values as the next version. Services read
prices in their own transactions (the next hold uses a new price); other settings are kept by
an instance for at most a minute."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from shared.admin.adapters import settings_repository
from shared.admin.domain.audit import AdminOutcome
from shared.admin.domain.settings_catalogue import CATALOGUE, SettingsKind, merged, stored_values
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller
from shared.kernel.errors import InvalidArgument, NotFound
from shared.kernel.store import DocumentStore, Transaction


def _kind(name: str) -> SettingsKind:
    if name not in CATALOGUE:
        raise InvalidArgument("name", f"must be one of {', '.join(CATALOGUE)}")
    return CATALOGUE[name]


class SettingsNameCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        _kind(value)
        return value


class UpdateSettingsCommand(SettingsNameCommand):
    values: dict[str, Any] = Field(min_length=1)


class RevertSettingsCommand(SettingsNameCommand):
    version: StrictInt = Field(ge=0)


def get_settings(cmd: SettingsNameCommand, admin: Caller, *, store: DocumentStore) -> dict[str, Any]:
    kind = _kind(cmd.name)
    doc = store.get(kind.path) or {}
    history = [
        {"version": h["version"], "by": h["by"], "at": h["at"].isoformat(), "revertedFrom": h.get("revertedFrom")}
        for h in settings_repository.history_of(store, kind.name)
    ]
    return {
        "name": kind.name,
        "version": int(doc.get("version") or 0),
        "values": stored_values(kind, doc),
        "history": history,
    }


def _write(
    store: DocumentStore,
    kind: SettingsKind,
    change: Any,
    admin: Caller,
    clock: Clock,
) -> AdminOutcome:
    """`change(tx, current values) -> (new values, reverted_from)` applied as the next version."""
    now = clock.now()

    def apply(tx: Transaction) -> AdminOutcome:
        doc = settings_repository.read_current(tx, kind.path) or {}
        before = stored_values(kind, doc)
        after, reverted_from = change(tx, before)
        version = int(doc.get("version") or 0) + 1
        if version == 1:  # what was in force before any admin change: version 0, to revert to
            settings_repository.record_baseline(tx, kind.name, before, now=now)
        settings_repository.write_version(
            tx,
            kind.path,
            kind.name,
            version,
            before=before,
            after=after,
            by=admin.uid,
            now=now,
            reverted_from=reverted_from,
        )
        answer = {"name": kind.name, "version": version, "values": after, "revertedFrom": reverted_from}
        return AdminOutcome(answer, target=kind.path, before=before, after=after, details={"version": version})

    outcome: AdminOutcome = store.run_transaction(apply)
    return outcome


def update_settings(cmd: UpdateSettingsCommand, admin: Caller, *, store: DocumentStore, clock: Clock) -> AdminOutcome:
    kind = _kind(cmd.name)
    return _write(store, kind, lambda tx, before: (kind.canonical(merged(before, cmd.values)), None), admin, clock)


def revert_settings(cmd: RevertSettingsCommand, admin: Caller, *, store: DocumentStore, clock: Clock) -> AdminOutcome:
    kind = _kind(cmd.name)

    def back(tx: Transaction, before: dict[str, Any]) -> tuple[dict[str, Any], int]:
        old = settings_repository.read_version(tx, kind.name, cmd.version)
        if old is None:
            raise NotFound(f"version: {kind.name} has no version {cmd.version}", field="version")
        return kind.canonical(dict(old["after"])), cmd.version

    return _write(store, kind, back, admin, clock)

"""Every admin callable runs through `audited`: the caller must hold the `admin` claim (anyone
else gets PERMISSION_DENIED and nothing is logged), the action runs, and one row of
`admin_action_logs` records it, with the error code when the action was refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.admin.adapters import audit_repository
from shared.admin.domain.audit import AdminOutcome, log_entry
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_admin
from shared.kernel.errors import DomainError
from shared.kernel.store import DocumentStore


def audited(
    action: str,
    caller: Caller | None,
    run: Callable[[Caller], AdminOutcome | dict[str, Any]],
    *,
    store: DocumentStore,
    clock: Clock,
) -> dict[str, Any]:
    admin = require_admin(caller)
    try:
        result = run(admin)
    except DomainError as exc:
        audit_repository.record(store, log_entry(action, admin.uid, None, error=exc.code, now=clock.now()), clock.now())
        raise
    outcome = result if isinstance(result, AdminOutcome) else AdminOutcome(answer=result)
    audit_repository.record(store, log_entry(action, admin.uid, outcome, error=None, now=clock.now()), clock.now())
    return outcome.answer

"""Each area's documents are spelled only by its repository (docs/architecture.md): no other
module of `shared/` names one of their collections or paths (dictionary keys aside)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REST_PATH = re.compile(r"^/v\d+/")
OWNERS = {
    "shared/admin/adapters/backup_repository.py": ("backup_runs",),
    "shared/accounts/services/provider_profiles.py": ("sos_profiles", "provider_action_logs"),
    "shared/accounts/services/users.py": ("users",),
    "shared/affiliates/adapters/affiliate_repository.py": (
        "affiliates",
        "affiliate_codes",
        "chatter_profiles",
        "influencer_profiles",
        "blogger_profiles",
        "group_admin_profiles",
    ),
    "shared/affiliates/adapters/commission_repository.py": ("affiliate_commissions", "affiliate_referrals"),
    "shared/affiliates/adapters/article_repository.py": ("blogger_articles",),
    "shared/affiliates/adapters/click_repository.py": ("affiliate_clicks", "affiliate_click_limits"),
    "shared/affiliates/adapters/leaderboard_repository.py": ("affiliate_leaderboards",),
    "shared/affiliates/adapters/resource_repository.py": ("affiliate_resources",),
    "shared/affiliates/adapters/training_repository.py": ("training_modules", "affiliate_training"),
    "shared/wallet/adapters/wallet_repository.py": ("wallet_entries",),
    "shared/admin/adapters/audit_repository.py": ("admin_action_logs",),
    "shared/admin/adapters/settings_repository.py": ("settings_history",),
    "shared/admin/adapters/metrics_repository.py": ("admin_metrics",),
    "shared/kernel/events.py": ("domain_events",),
    "shared/calls/adapters/session_repository.py": ("call_sessions", "twilio_callbacks", "conference_events"),
    "shared/payments/adapters/payment_repository.py": (
        "payments",
        "payment_requests",
        "payment_audit_logs",
        "payment_recovery_attempts",
    ),
    "shared/payouts/adapters/earnings_repository.py": ("provider_balances", "provider_balance_entries"),
    "shared/payouts/adapters/withdrawal_repository.py": ("withdrawals", "payout_accounts", "payout_reconciliations"),
    "shared/payouts/adapters/telegram_repository.py": ("telegram_link_tokens", "telegram_links", "telegram_accounts"),
    "shared/subscriptions/adapters/subscription_repository.py": (
        "subscriptions",
        "subscription_plans",
        "trials",
        "subscription_purchases",
        "stripe_subscription_index",
        "stripe_customers",
        "stripe_customer_requests",
    ),
    "shared/kernel/idempotency.py": ("stripe_spent_keys",),
}


def _docstrings(tree: ast.Module) -> set[ast.AST]:
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef))]
    found: set[ast.AST] = set()
    for node in nodes:
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            found.add(body[0].value)
    return found


def _spelled(path: Path, collections: tuple[str, ...]) -> list[str]:
    tree = ast.parse(path.read_text())
    skip = _docstrings(tree)
    keys = {id(key) for node in ast.walk(tree) if isinstance(node, ast.Dict) for key in node.keys if key is not None}
    # A field read by name (`doc["payments"]`, `doc.get("payments")`) is a key too, not a path.
    keys |= {id(node.slice) for node in ast.walk(tree) if isinstance(node, ast.Subscript)}
    keys |= {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "pop", "setdefault")
        and node.args
    }
    found = []
    for node in ast.walk(tree):
        if node in skip or not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        text = node.value
        if REST_PATH.match(text):
            continue  # a provider's REST path (`/v1/payments/payouts`), never a Firestore one
        for name in collections:
            if text.startswith(f"{name}/") or f"/{name}/" in text or (text == name and id(node) not in keys):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {text!r}")
    return found


@pytest.mark.parametrize("owner", sorted(OWNERS))
def test_only_the_repository_spells_its_documents(owner: str) -> None:
    others = [p for p in sorted((ROOT / "shared").rglob("*.py")) if str(p.relative_to(ROOT)) != owner]
    assert [hit for path in others for hit in _spelled(path, OWNERS[owner])] == []
    assert _spelled(ROOT / owner, OWNERS[owner]), "the repository itself spells them"

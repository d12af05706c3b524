"""trackAffiliateClick: a visitor follows an affiliate's link; the click is counted once per
visitor and day unless it comes from a bot or from an address clicking too fast, and the
visitor is always sent on to the web app (with the code when it is an active affiliate's)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.affiliates.adapters import affiliate_repository, click_repository
from shared.affiliates.domain.affiliate import AffiliateStatus
from shared.affiliates.domain.codes import parse_code
from shared.affiliates.domain.tracking import PER_ADDRESS, address_key, click_id, is_bot, landing_url, visitor_key
from shared.kernel.clock import Clock
from shared.kernel.errors import InvalidArgument
from shared.kernel.store import DocumentStore, Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tracked:
    location: str
    counted: bool
    why: str  # counted | bot | unknown_code | inactive | already_today | too_fast


def track_click(
    raw_code: object, address: str, user_agent: str | None, *, store: DocumentStore, clock: Clock, web_app: str
) -> Tracked:
    try:
        code = parse_code(raw_code, "code")
    except InvalidArgument:
        return Tracked(landing_url(web_app, None, None), False, "unknown_code")
    owner = affiliate_repository.code_owner(store, code)
    if owner is None:
        return Tracked(landing_url(web_app, None, None), False, "unknown_code")
    if owner.status != AffiliateStatus.ACTIVE.value:
        return Tracked(landing_url(web_app, None, None), False, "inactive")
    location = landing_url(web_app, code, owner.kind)
    if is_bot(user_agent):
        return Tracked(location, False, "bot")
    now = clock.now()
    visitor, limit_key = visitor_key(address, user_agent or ""), address_key(address)
    cid = click_id(code, now, visitor)

    def count(tx: Transaction) -> str:
        decision = PER_ADDRESS.decide(click_repository.recent_clicks(tx, limit_key), now.timestamp())
        if not decision.allowed:
            return "too_fast"
        seen = click_repository.click_exists(tx, cid)
        click_repository.keep_recent(tx, limit_key, decision.recent, now)
        if seen:
            return "already_today"
        click_repository.record_click(
            tx,
            cid,
            {"code": code, "kind": owner.kind.value, "affiliateId": owner.uid, "day": f"{now:%Y-%m-%d}", "at": now},
        )
        return "counted"

    why: str = store.run_transaction(count)
    log.info("tracking link %s: %s", code, why)
    return Tracked(location, why == "counted", why)

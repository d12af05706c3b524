"""The admin exports and the daily Firestore backup on the full local stack: a payment made through
createPaymentIntent shows up in the CSV an admin downloads from the link (the Storage emulator);
anyone else is refused; the backup cron exports Firestore to `.local/backups/<day>/`, prunes old
folders and reports in `backup_runs/{day}`."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from google.cloud.firestore_v1.base_query import FieldFilter

from devtools import cron
from devtools.stack import LOCAL
from tests.e2e.booking import create_hold, new_provider
from tests.e2e.conftest import Account, WebApp

pytestmark = pytest.mark.e2e
WEST1 = "europe-west1"
BACKUPS = LOCAL / "backups"


def _today() -> dict[str, str]:
    day = datetime.now(UTC).date().isoformat()
    return {"from": day, "to": day}


def _logged(db: Any, action: str, admin: Account) -> list[dict[str, Any]]:
    rows = db.collection("admin_action_logs").where(filter=FieldFilter("action", "==", action)).stream()
    return [doc.to_dict() for doc in rows if doc.to_dict().get("adminId") == admin.uid]


def test_only_admins_export(web: WebApp) -> None:
    client = web.sign_up()
    for name in ("exportPayments", "exportCommissions"):
        refused = web.call(WEST1, name, _today(), client)
        assert refused.error_status == "PERMISSION_DENIED", refused.body
    assert web.call(WEST1, "exportPayments", _today(), None).error_status == "UNAUTHENTICATED"


def test_a_bad_range_names_the_field(web: WebApp) -> None:
    admin = web.sign_in("admin@demo.sos-expat.test")
    backwards = web.call(WEST1, "exportPayments", {"from": "2026-11-02", "to": "2026-11-01"}, admin)
    assert backwards.error_status == "INVALID_ARGUMENT" and backwards.error_message.startswith("to:"), backwards.body
    too_long = web.call(WEST1, "exportCommissions", {"from": "2026-01-01", "to": "2026-04-03"}, admin)
    assert too_long.error_status == "INVALID_ARGUMENT" and "92" in too_long.error_message, too_long.body
    malformed = web.call(WEST1, "exportPayments", {"from": "1/11/2026", "to": "2026-11-01"}, admin)
    assert malformed.error_status == "INVALID_ARGUMENT" and malformed.error_message.startswith("from:")


def test_an_admin_downloads_the_payment_in_the_csv(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    hold = create_hold(web, client, new_provider(db, "+33600000001"))
    admin = web.sign_in("admin@demo.sos-expat.test")
    answer = web.call(WEST1, "exportPayments", _today(), admin)
    assert answer.status == 200, answer.body
    body = answer.result
    assert body["rows"] >= 1 and body["path"].endswith(".csv")
    assert datetime.fromisoformat(body["expiresAt"]) - datetime.now(UTC) <= timedelta(minutes=15)
    download = requests.get(body["url"], timeout=30)
    assert download.status_code == 200
    rows = {row["paymentIntentId"]: row for row in csv.DictReader(io.StringIO(download.content.decode("utf-8")))}
    row = rows[hold["paymentIntentId"]]
    assert (row["clientId"], row["amount"], row["currency"]) == (client.uid, "4900", "eur")
    assert any(r["target"] == body["path"] and r["outcome"] == "ok" for r in _logged(db, "exportPayments", admin))
    commissions = web.call(WEST1, "exportCommissions", _today(), admin)
    assert commissions.status == 200, commissions.body
    header = requests.get(commissions.result["url"], timeout=30).content.decode("utf-8").splitlines()[0]
    assert header.startswith("commissionId,beneficiaryId,beneficiaryRole")


def test_the_daily_backup_exports_firestore_prunes_old_folders_and_reports(stack: Any, db: Any) -> None:
    when = datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0)
    day = when.date()
    old, recent = BACKUPS / (day - timedelta(days=40)).isoformat(), BACKUPS / (day - timedelta(days=10)).isoformat()
    for folder in (old, recent):
        (folder / "firestore_export").mkdir(parents=True, exist_ok=True)
    db.document("payments/pi_e2e_backup_marker").set({"paymentIntentId": "pi_e2e_backup_marker", "state": "pending"})
    try:
        assert cron.fire("scheduledFirestoreBackup", WEST1, when) < 300
        report = db.document(f"backup_runs/{day.isoformat()}").get().to_dict()
        assert report["status"] == "ok", report
        assert "payments" in report["collections"] and "settings_history" in report["collections"]
        assert report["output"] == str(BACKUPS / day.isoformat()) and report["retentionDays"] == 30
        assert old.name in report["deletedFolders"] and recent.name not in report["deletedFolders"]
        exported = BACKUPS / day.isoformat()
        assert (exported / "firebase-export-metadata.json").is_file()
        assert (exported / "firestore_export" / "firestore_export.overall_export_metadata").is_file()
        assert not old.exists() and recent.exists()
    finally:
        for folder in (old, recent, BACKUPS / day.isoformat()):
            shutil.rmtree(folder, ignore_errors=True)
        db.document("payments/pi_e2e_backup_marker").delete()

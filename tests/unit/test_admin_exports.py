"""The admin CSV exports and the daily Firestore backup, on hand-written fakes of their ports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.admin.adapters import backup_repository, firestore_export, storage_bucket
from shared.admin.ports.exports import BackupError, ExportBucket, ExportStorageError, FirestoreExporter
from shared.admin.services import exports
from shared.admin.services.audit import audited
from shared.admin.services.backups import expired_folders, run_backup
from shared.admin.services.export_commands import DateRangeCommand
from shared.affiliates.services.exports import COMMISSION_COLUMNS
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unavailable
from shared.payments.services.exports import PAYMENT_COLUMNS
from tests.fakes import FakeClock, InMemoryStore

ADMIN = Caller("admin_1", {"admin": True, "role": "admin"})
NOW = datetime(2026, 12, 6, 10, 45, tzinfo=UTC)


class FakeBucket(ExportBucket):
    def __init__(self, *, failing: bool = False) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.failing = failing

    def upload(self, path: str, data: bytes, content_type: str) -> None:
        if self.failing:
            raise ExportStorageError("bucket unavailable")
        self.files[path] = (data, content_type)

    def link(self, path: str, expires_in: timedelta) -> str:
        assert path in self.files
        return f"https://storage.test/{path}?expires={int(expires_in.total_seconds())}"


class FakeExporter(FirestoreExporter):
    def __init__(self, folders: list[str], *, failing: bool = False, undeletable: tuple[str, ...] = ()) -> None:
        self.tree = {"backups": set(folders)}
        self.exports: list[tuple[list[str], str]] = []
        self.failing = failing
        self.undeletable = undeletable

    def output_uri(self, output_prefix: str) -> str:
        return f"gs://backups.test/{output_prefix}"

    def export(self, collections: list[str], output_prefix: str) -> str:
        if self.failing:
            raise BackupError("exportDocuments answered 403")
        self.exports.append((collections, output_prefix))
        self.tree["backups"].add(output_prefix.rsplit("/", 1)[1])
        return "projects/p/databases/(default)/operations/op1"

    def folders(self, parent: str) -> list[str]:
        return sorted(self.tree.get(parent, set()))

    def delete_folder(self, path: str) -> None:
        parent, name = path.split("/")
        if name in self.undeletable:
            raise BackupError(f"deleting {path} failed")
        self.tree[parent].remove(name)


def _payment(store: InMemoryStore, pid: str, created: datetime, **extra: Any) -> None:
    doc: dict[str, Any] = {"paymentIntentId": pid, "callSessionId": f"s_{pid}", "clientId": "c1", "providerId": "p1"}
    doc.update({"serviceType": "lawyer_call", "amount": 4900, "currency": "eur", "platformFee": 1900})
    store.set(f"payments/{pid}", {**doc, "providerAmount": 3000, "state": "pending", "createdAt": created, **extra})


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _export(kind: str, span: dict[str, str], store: InMemoryStore, bucket: ExportBucket) -> dict[str, Any]:
    run = exports.export_payments if kind == "payments" else exports.export_commissions
    cmd = parse_command(DateRangeCommand, span)
    clock = FakeClock(NOW)
    return audited(
        f"export_{kind}",
        ADMIN,
        lambda admin: run(cmd, store=store, bucket=bucket, clock=clock),
        store=store,
        clock=clock,
    )


def test_payments_csv_has_one_row_per_payment_created_in_the_days_asked() -> None:
    store, bucket = InMemoryStore(), FakeBucket()
    _payment(store, "pi_before", datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC))
    _payment(store, "pi_first", datetime(2026, 11, 1, tzinfo=UTC))
    last = datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC)
    captured = datetime(2026, 12, 1, 9, tzinfo=UTC)
    _payment(store, "pi_last", last, state="partially_refunded", capturedAt=captured, amountReceived=4900)
    store.set("payments/pi_last", {"refundedAmount": 1000}, merge=True)
    _payment(store, "pi_after", datetime(2026, 12, 1, tzinfo=UTC))

    answer = _export("payments", {"from": "2026-11-01", "to": "2026-11-30"}, store, bucket)

    data, content_type = bucket.files[answer["path"]]
    rows = _rows(data)
    assert [r["paymentIntentId"] for r in rows] == ["pi_first", "pi_last"] and answer["rows"] == 2
    assert list(rows[0]) == list(PAYMENT_COLUMNS) and content_type.startswith("text/csv")
    assert rows[1] == rows[1] | {"amount": "4900", "currency": "eur", "state": "partially_refunded"}
    assert (rows[1]["refundedAmount"], rows[0]["refundedAmount"], rows[0]["capturedAt"]) == ("1000", "0", "")
    assert rows[1]["createdAt"] == "2026-11-30T23:59:59.999999+00:00"
    assert rows[1]["capturedAt"] == "2026-12-01T09:00:00+00:00"
    assert answer["path"].startswith("exports/payment/2026-11-01_2026-11-30/") and answer["path"].endswith(".csv")
    assert answer["url"].endswith("?expires=900")
    assert answer["expiresAt"] == (NOW + timedelta(minutes=15)).isoformat()


def test_commissions_csv_keeps_wallet_cents_and_the_source_amount_in_its_currency() -> None:
    store, bucket = InMemoryStore(), FakeBucket()
    doc = {"commissionId": "call_s1_client_1", "beneficiaryId": "aff1", "beneficiaryRole": "chatter", "level": 1}
    doc |= {"side": "client", "source": {"type": "call", "callSessionId": "s1"}, "amount": 245, "currency": "eur"}
    doc |= {"walletAmount": 265, "walletCurrency": "usd", "takenBack": 0, "state": "pending"}
    store.set("affiliate_commissions/call_s1_client_1", {**doc, "createdAt": datetime(2026, 11, 2, 8, tzinfo=UTC)})
    answer = _export("commissions", {"from": "2026-11-01", "to": "2026-11-02"}, store, bucket)
    (row,) = _rows(bucket.files[answer["path"]][0])
    assert list(row) == list(COMMISSION_COLUMNS)
    assert row == row | {"commissionId": "call_s1_client_1", "beneficiaryRole": "chatter", "level": "1"}
    assert row == row | {"walletAmount": "265", "walletCurrency": "usd", "sourceAmount": "245", "sourceCurrency": "eur"}
    assert (row["callSessionId"], row["createdAt"]) == ("s1", "2026-11-02T08:00:00+00:00")


@pytest.mark.parametrize(
    ("span", "field"),
    [
        ({"from": "2026-11-01"}, "to"),
        ({"from": "01/11/2026", "to": "2026-11-02"}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-02"}, "from"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "to"),
        ({"from": "2026-01-01", "to": "2026-04-03"}, "to"),  # 93 days
        ({"from": "2026-01-01", "to": "2026-01-02", "format": "xlsx"}, "format"),
    ],
)
def test_a_bad_range_is_invalid_argument_naming_the_field(span: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_command(DateRangeCommand, span)
    assert refused.value.field == field


def test_92_days_both_included_is_the_longest_range_and_an_empty_one_still_has_the_header() -> None:
    start, end = parse_command(DateRangeCommand, {"from": "2026-01-01", "to": "2026-04-02"}).window()
    assert (start, end - start) == (datetime(2026, 1, 1, tzinfo=UTC), timedelta(days=92))
    store, bucket = InMemoryStore(), FakeBucket()
    answer = _export("payments", {"from": "2026-01-01", "to": "2026-04-02"}, store, bucket)
    assert answer["rows"] == 0
    assert bucket.files[answer["path"]][0].decode().strip() == ",".join(PAYMENT_COLUMNS)


def test_a_non_admin_is_refused_before_anything_is_read_or_written() -> None:
    store, bucket = InMemoryStore(), FakeBucket()
    _payment(store, "pi_1", datetime(2026, 11, 1, tzinfo=UTC))
    cmd = parse_command(DateRangeCommand, {"from": "2026-11-01", "to": "2026-11-02"})
    with pytest.raises(PermissionDenied):
        audited(
            "exportPayments",
            Caller("client_1", {"role": "client"}),
            lambda admin: exports.export_payments(cmd, store=store, bucket=bucket, clock=FakeClock(NOW)),
            store=store,
            clock=FakeClock(NOW),
        )
    assert bucket.files == {} and store.collection("admin_action_logs") == {}


def test_the_audit_row_names_the_file_and_the_range() -> None:
    store, bucket = InMemoryStore(), FakeBucket()
    _payment(store, "pi_1", datetime(2026, 11, 1, tzinfo=UTC))
    answer = _export("payments", {"from": "2026-11-01", "to": "2026-11-02"}, store, bucket)
    (log,) = store.collection("admin_action_logs").values()
    assert log == log | {"action": "export_payments", "adminId": "admin_1", "outcome": "ok", "target": answer["path"]}
    assert log["details"] == {"from": "2026-11-01", "to": "2026-11-02", "rows": 1}


def test_a_range_with_too_many_rows_asks_for_a_shorter_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    store, bucket = InMemoryStore(), FakeBucket()
    _payment(store, "pi_1", datetime(2026, 11, 1, tzinfo=UTC))
    _payment(store, "pi_2", datetime(2026, 11, 1, 1, tzinfo=UTC))
    with pytest.raises(FailedPrecondition, match="shorter"):
        _export("payments", {"from": "2026-11-01", "to": "2026-11-01"}, store, bucket)
    assert bucket.files == {}


def test_a_bucket_failure_is_unavailable_and_logged_with_its_code() -> None:
    store = InMemoryStore()
    with pytest.raises(Unavailable):
        _export("payments", {"from": "2026-11-01", "to": "2026-11-01"}, store, FakeBucket(failing=True))
    (log,) = store.collection("admin_action_logs").values()
    assert log["outcome"] == "UNAVAILABLE"


MONEY = ["payments", "withdrawals"]


def test_the_backup_exports_the_day_then_deletes_only_folders_past_the_retention() -> None:
    store = InMemoryStore()
    exporter = FakeExporter(["2026-11-05", "2026-11-06", "2026-11-07", "manual-copy", "20261101"])
    report = run_backup(date(2026, 12, 6), MONEY, exporter=exporter, store=store, clock=FakeClock(NOW))
    assert exporter.exports == [(MONEY, "backups/2026-12-06")]
    assert report["deletedFolders"] == ["2026-11-05"]  # 31 days old; 2026-11-06 is exactly 30
    assert expired_folders(["2026-11-29", "2026-11-30", "x"], date(2026, 12, 6), 6) == ["2026-11-29"]
    assert set(exporter.folders("backups")) == {"20261101", "2026-11-06", "2026-11-07", "2026-12-06", "manual-copy"}
    saved = store.get(backup_repository.run_path(date(2026, 12, 6))) or {}
    assert saved == saved | {"status": "ok", "collections": MONEY, "output": "gs://backups.test/backups/2026-12-06"}
    assert saved["operation"].endswith("/operations/op1") and (saved["retentionDays"], saved["runs"]) == (30, 1)
    again = run_backup(date(2026, 12, 6), MONEY, exporter=exporter, store=store, clock=FakeClock(NOW))
    assert (again["runs"], again["deletedFolders"], len(exporter.exports)) == (2, ["2026-11-05"], 2)  # a redelivery


def test_a_refused_export_is_reported_and_raised_and_deletes_nothing() -> None:
    store = InMemoryStore()
    exporter = FakeExporter(["2026-01-01"], failing=True)
    with pytest.raises(BackupError):
        run_backup(date(2026, 12, 6), MONEY, exporter=exporter, store=store, clock=FakeClock(NOW))
    saved = store.get(backup_repository.run_path(date(2026, 12, 6)))
    assert saved is not None and saved["status"] == "failed" and "403" in saved["error"]
    assert exporter.folders("backups") == ["2026-01-01"]


def test_a_folder_that_cannot_be_deleted_is_reported_and_the_others_still_go() -> None:
    store = InMemoryStore()
    exporter = FakeExporter(["2026-01-01", "2026-01-02"], undeletable=("2026-01-01",))
    report = run_backup(date(2026, 12, 6), MONEY, exporter=exporter, store=store, clock=FakeClock(NOW))
    assert (report["status"], report["deletedFolders"]) == ("exported_prune_failed", ["2026-01-02"])
    assert "2026-01-01" in report["pruneErrors"][0]


def test_the_emulator_exporter_keeps_to_the_projects_local_folder(tmp_path: Path) -> None:
    exporter = firestore_export.EmulatorFirestoreExporter("127.0.0.1:1", "demo-x", tmp_path)
    (tmp_path / "backups" / "2026-01-01" / "firestore_export").mkdir(parents=True)
    (tmp_path / "backups" / "notes.txt").write_text("kept")
    assert exporter.folders("backups") == ["2026-01-01"] and exporter.folders("missing") == []
    exporter.delete_folder("backups/2026-01-01")
    assert exporter.folders("backups") == [] and (tmp_path / "backups" / "notes.txt").exists()
    with pytest.raises(BackupError):
        exporter.delete_folder("../elsewhere")
    (tmp_path / "firebase.json").write_text("{}")  # the functions emulator runs a codebase in its folder
    assert firestore_export.local_backups_root(tmp_path / "backups") == tmp_path / ".local"


def test_buckets_default_to_the_projects_firebase_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GCLOUD_PROJECT", "sos-expat-prod")
    for name in ("EXPORTS_BUCKET", "BACKUPS_BUCKET", "FUNCTIONS_EMULATOR", "FIREBASE_STORAGE_EMULATOR_HOST"):
        monkeypatch.delenv(name, raising=False)
    default = "sos-expat-prod.appspot.com"
    assert storage_bucket.exports_bucket_name() == firestore_export.backups_bucket_name() == default
    monkeypatch.setenv("EXPORTS_BUCKET", "sos-expat-exports")
    assert firestore_export.backups_bucket_name() == "sos-expat-exports"
    storage_bucket.export_bucket.cache_clear()
    assert isinstance(storage_bucket.export_bucket(), storage_bucket.CloudStorageBucket)


def test_the_storage_emulator_is_used_only_inside_the_functions_emulator_of_a_demo_project(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FIREBASE_STORAGE_EMULATOR_HOST", "127.0.0.1:9199")
    monkeypatch.setenv("FUNCTIONS_EMULATOR", "true")
    monkeypatch.setenv("GCLOUD_PROJECT", "sos-expat-prod")
    assert storage_bucket.storage_emulator_host() is None
    monkeypatch.setenv("GCLOUD_PROJECT", "demo-sos-expat")
    assert storage_bucket.storage_emulator_host() == "127.0.0.1:9199"
    monkeypatch.delenv("FIREBASE_STORAGE_EMULATOR_HOST")
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    storage_bucket.export_bucket.cache_clear()
    with pytest.raises(ExportStorageError, match="no Storage emulator"):
        storage_bucket.export_bucket().upload("exports/x.csv", b"", "text/csv")


def test_a_production_link_is_a_v4_signed_url_valid_15_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed offline with a key file's credentials (in Cloud Functions the same URL is signed
    through IAM signBlob)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.oauth2 import service_account

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    info = {"client_email": "exports@sos-expat-prod.iam.gserviceaccount.com", "private_key": pem.decode()}
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        {**info, "token_uri": "https://oauth2.googleapis.com/token", "project_id": "sos-expat-prod"}
    )
    monkeypatch.setenv("GCLOUD_PROJECT", "sos-expat-prod")
    bucket = storage_bucket.CloudStorageBucket("sos-expat-prod.appspot.com")
    bucket.__dict__["_credentials"] = credentials  # what google.auth.default() gives with a key file
    url = bucket.link("exports/payment/2026-11-01_2026-11-30/20261206T104500000000Z.csv", exports.LINK_LIFETIME)
    assert url.startswith("https://storage.googleapis.com/sos-expat-prod.appspot.com/exports/payment/")
    assert "X-Goog-Algorithm=GOOG4-RSA-SHA256" in url and "X-Goog-Expires=900" in url
    assert "X-Goog-Credential=exports%40sos-expat-prod.iam.gserviceaccount.com" in url
    assert "response-content-disposition=attachment" in url

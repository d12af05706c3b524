"""Move private fields out of public provider profiles (a one-off, admin-run migration).

    .venv/bin/python -m devtools.migrate_profiles --project <project>          # report only
    .venv/bin/python -m devtools.migrate_profiles --project <project> --apply  # move them

Against a real project it uses Application Default Credentials (`gcloud auth
application-default login` as an admin of the project); with `--project demo-sos-expat` it runs
against the local emulators. Each profile is moved in its own transaction, so it can be re-run
at any time (a profile already split is left alone); it prints the fields moved per profile.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from devtools import ports
from shared.accounts.services.provider_profiles import PROFILES, migrate_profiles
from shared.kernel.adapters.firestore_store import FirestoreDocumentStore


def profile_ids(client: Any) -> Iterator[str]:
    for ref in client.collection(PROFILES).list_documents(page_size=300):
        yield ref.id


def migrate(client: Any, *, apply: bool) -> dict[str, Any]:
    return migrate_profiles(FirestoreDocumentStore(client), profile_ids(client), apply=apply)


def firestore_for(project: str) -> Any:
    import firebase_admin
    from firebase_admin import firestore

    if project == ports.PROJECT_ID:
        from devtools.seed import admin_app

        return firestore.client(admin_app())
    app = firebase_admin.initialize_app(options={"projectId": project}, name="profile-migration")
    return firestore.client(app)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", required=True)
    parser.add_argument("--apply", action="store_true", help="move the fields (default: only report them)")
    args = parser.parse_args(argv)
    report = migrate(firestore_for(args.project), apply=args.apply)
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Emulator-only switches are honoured only under a demo- project; predeploy refuses them."""

from pathlib import Path
from typing import Any

import pytest

from devtools import vendor_shared
from shared.kernel import config
from shared.kernel.adapters import firebase_app

SWITCHES = ("FUNCTIONS_EMULATOR", "FIRESTORE_EMULATOR_HOST", "STRIPE_API_BASE", "TWILIO_API_BASE")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*SWITCHES, *config.PROJECT_ID_ENV, "PUBLIC_FUNCTIONS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def switches_on(env: pytest.MonkeyPatch, project: str | None) -> None:
    if project is not None:
        env.setenv("GCLOUD_PROJECT", project)
    env.setenv("FUNCTIONS_EMULATOR", "true")
    env.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080")
    env.setenv("STRIPE_API_BASE", "http://attacker.example:8420")
    env.setenv("TWILIO_API_BASE", "http://attacker.example:8430")


@pytest.mark.parametrize("project", ["sos-expat-prod", "sos-expat-demo-", None])
def test_switches_set_in_a_real_project_are_ignored(env: pytest.MonkeyPatch, project: str | None) -> None:
    switches_on(env, project)
    assert config.stripe_api_base() is None
    assert config.twilio_api_base() is None
    assert not config.running_in_emulator()
    assert not firebase_app.using_emulator()


def test_switches_are_honoured_under_a_demo_project(env: pytest.MonkeyPatch) -> None:
    switches_on(env, "demo-sos-expat")
    assert config.stripe_api_base() == "http://attacker.example:8420"
    assert config.twilio_api_base() == "http://attacker.example:8430"
    assert firebase_app.using_emulator()


def test_the_project_id_from_google_cloud_project_counts_too(env: pytest.MonkeyPatch) -> None:
    env.setenv("GOOGLE_CLOUD_PROJECT", "sos-expat-prod")
    env.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080")
    assert not firebase_app.using_emulator()
    env.setenv("GOOGLE_CLOUD_PROJECT", "demo-x")
    assert firebase_app.using_emulator()


@pytest.mark.parametrize(("project", "anonymous"), [("sos-expat-prod", False), ("demo-sos-expat", True)])
def test_anonymous_admin_credentials_only_under_a_demo_project(
    env: pytest.MonkeyPatch, project: str, anonymous: bool
) -> None:
    import firebase_admin

    switches_on(env, project)
    calls: list[tuple[Any, Any]] = []

    def no_app(*_: Any) -> Any:
        raise ValueError("no app")

    env.setattr(firebase_admin, "get_app", no_app)
    env.setattr(
        firebase_admin, "initialize_app", lambda credential=None, options=None: calls.append((credential, options))
    )
    firebase_app.firebase_app.__wrapped__()
    [(credential, options)] = calls
    assert (credential is not None) is anonymous
    assert options == {"projectId": project}


def test_public_url_must_be_https_in_a_real_project(env: pytest.MonkeyPatch) -> None:
    env.setenv("GCLOUD_PROJECT", "sos-expat-prod")
    env.setenv("PUBLIC_FUNCTIONS_BASE_URL", "https://calls.sos-expat.com/{region}/")
    assert config.functions_base_url("europe-west3") == "https://calls.sos-expat.com/europe-west3"
    env.setenv("PUBLIC_FUNCTIONS_BASE_URL", "http://calls.sos-expat.com/{region}")
    with pytest.raises(config.ConfigurationError):
        config.functions_base_url("europe-west3")


def test_the_local_stack_http_url_is_accepted_under_a_demo_project(env: pytest.MonkeyPatch) -> None:
    env.setenv("GCLOUD_PROJECT", "demo-sos-expat")
    env.setenv("PUBLIC_FUNCTIONS_BASE_URL", "http://127.0.0.1:5001/demo-sos-expat/{region}")
    assert config.functions_base_url("europe-west1") == "http://127.0.0.1:5001/demo-sos-expat/europe-west1"


def test_without_a_public_url_the_cloudfunctions_url_is_used(env: pytest.MonkeyPatch) -> None:
    env.setenv("GCLOUD_PROJECT", "sos-expat-prod")
    assert config.functions_base_url("europe-west3") == "https://europe-west3-sos-expat-prod.cloudfunctions.net"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the three codebases and a tiny shared/, as predeploy sees it."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "__init__.py").write_text("")
    for name in vendor_shared.CODEBASES:
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.py").write_text("")
    monkeypatch.setattr(vendor_shared, "ROOT", tmp_path)
    return tmp_path


def test_predeploy_vendors_a_clean_tree(tree: Path) -> None:
    (tree / "functions_west3" / ".env").write_text(
        "TWILIO_PHONE_NUMBER=+33100000000\nPUBLIC_FUNCTIONS_BASE_URL=https://calls.sos-expat.com/{region}\n"
    )
    assert vendor_shared.main([str(tree / "functions_west3")]) == 0
    assert (tree / "functions_west3" / "shared" / "__init__.py").exists()


@pytest.mark.parametrize(
    "line",
    [
        "FUNCTIONS_EMULATOR=true",
        "export FIRESTORE_EMULATOR_HOST=127.0.0.1:8080",
        "STRIPE_API_BASE='http://127.0.0.1:8420'",
        'TWILIO_API_BASE="http://127.0.0.1:8430"  # local',
        "CLOUD_TASKS_EMULATOR_HOST=127.0.0.1:9499",
        "FIREBASE_AUTH_EMULATOR_HOST=127.0.0.1:9099",
        "PUBLIC_FUNCTIONS_BASE_URL=http://127.0.0.1:5001/demo-sos-expat/{region}",
        "PUBLIC_FUNCTIONS_BASE_URL=",
    ],
)
@pytest.mark.parametrize("dotenv", [".env", ".env.sos-expat-prod", ".env.prod"])
def test_predeploy_refuses_emulator_switches_in_a_deployable_dotenv(
    tree: Path, capsys: pytest.CaptureFixture[str], line: str, dotenv: str
) -> None:
    (tree / "functions_west1" / dotenv).write_text(f"# deployed\nTWILIO_PHONE_NUMBER=+33100000000\n{line}\n")
    assert vendor_shared.main([str(tree / "functions_west3")]) == 1  # another codebase's file counts too
    assert f"functions_west1/{dotenv}" in capsys.readouterr().err
    assert not (tree / "functions_west3" / "shared").exists()


def test_predeploy_leaves_the_emulator_only_dotenv_alone(tree: Path) -> None:
    (tree / "functions_west3" / ".env.local").write_text(
        "FUNCTIONS_EMULATOR=true\nSTRIPE_API_BASE=http://127.0.0.1:8420\n"
        "PUBLIC_FUNCTIONS_BASE_URL=http://127.0.0.1:5001/demo-sos-expat/{region}\n"
    )
    assert vendor_shared.main([]) == 0


def test_the_repository_codebases_pass_the_predeploy_check() -> None:
    sources = [vendor_shared.ROOT / name for name in vendor_shared.CODEBASES]
    assert vendor_shared.dotenv_problems(sources) == []

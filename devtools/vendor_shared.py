"""Copy the shared library into a codebase source folder (predeploy step, also used locally).

Usage: python3 devtools/vendor_shared.py functions_west3 [functions_west1 ...]
The copy (`<source>/shared/`) is git-ignored; deploying one codebase alone then works.

As the predeploy step it first refuses to deploy when a deployable `.env` file of any codebase
(`.env`, `.env.<project>`, `.env.<alias>`: every `functions_west*/.env*` but `.env.local`, which
firebase-tools loads only in the emulator) sets an emulator-only switch, or sets
`PUBLIC_FUNCTIONS_BASE_URL` to anything but an `https://` URL.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODEBASES = ("functions_west1", "functions_west2", "functions_west3")
EMULATOR_ONLY_DOTENV = ".env.local"
EMULATOR_ONLY_KEYS = frozenset(
    {"FUNCTIONS_EMULATOR", "FIRESTORE_EMULATOR_HOST", "STRIPE_API_BASE", "TWILIO_API_BASE", "FIREBASE_EMULATOR_HUB"}
)
PUBLIC_URL_KEY = "PUBLIC_FUNCTIONS_BASE_URL"
# firebase-tools' dotenv line: optional `export`, KEY=value, quotes, trailing comment.
_LINE = re.compile(r"""^\s*(?:export\s+)?([\w./]+)\s*=\s*("(?:\\"|[^"])*"|'(?:\\'|[^'])*'|[^#\r\n]*)""")


def vendor(source: Path) -> Path:
    target = source / "shared"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "shared", target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def dotenv_values(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[match.group(1)] = value
    return values


def emulator_only_key(key: str) -> bool:
    return key in EMULATOR_ONLY_KEYS or key.endswith("_EMULATOR_HOST")


def deployable_dotenv_files(source: Path) -> list[Path]:
    return sorted(p for p in source.glob(".env*") if p.is_file() and p.name != EMULATOR_ONLY_DOTENV)


def dotenv_problems(sources: list[Path]) -> list[str]:
    """What the deployable `.env` files of these codebases set that production must not have."""
    problems = []
    for source in sources:
        for path in deployable_dotenv_files(source):
            for key, value in dotenv_values(path.read_text()).items():
                where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {key}"
                if emulator_only_key(key):
                    problems.append(f"{where} is emulator-only (put it in {EMULATOR_ONLY_DOTENV})")
                elif key == PUBLIC_URL_KEY and not value.startswith("https://"):
                    problems.append(f"{where} must be an https:// URL")
    return problems


def main(argv: list[str]) -> int:
    sources = [Path(arg) for arg in argv] or [ROOT / name for name in CODEBASES]
    sources = [source if source.is_absolute() else ROOT / source for source in sources]
    for source in sources:
        if not (source / "main.py").exists():
            print(f"vendor_shared: {source} has no main.py", file=sys.stderr)
            return 2
    every_codebase = sorted({*sources, *(ROOT / name for name in CODEBASES)})
    problems = dotenv_problems([source for source in every_codebase if source.is_dir()])
    if problems:
        print("vendor_shared: refusing to deploy:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    for source in sources:
        print(f"vendored shared -> {vendor(source).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

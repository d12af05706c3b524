"""Copy the shared library into a codebase source folder (predeploy step, also used locally).

Usage: python3 devtools/vendor_shared.py functions_west3 [functions_west1 ...]
The copy (`<source>/shared/`) is git-ignored; deploying one codebase alone then works.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODEBASES = ("functions_west1", "functions_west2", "functions_west3")


def vendor(source: Path) -> Path:
    target = source / "shared"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "shared", target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def main(argv: list[str]) -> int:
    sources = [Path(arg) for arg in argv] or [ROOT / name for name in CODEBASES]
    for source in sources:
        source = source if source.is_absolute() else ROOT / source
        if not (source / "main.py").exists():
            print(f"vendor_shared: {source} has no main.py", file=sys.stderr)
            return 2
        print(f"vendored shared -> {vendor(source).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""A codebase's `import main` (its cold start) declares functions and loads no client library."""

import pytest

from devtools import bench_imports
from devtools.vendor_shared import CODEBASES


@pytest.mark.parametrize("codebase", CODEBASES)
def test_import_main_loads_no_client_library_before_the_first_request(codebase: str) -> None:
    assert bench_imports.heavy_modules_imported(codebase) == []

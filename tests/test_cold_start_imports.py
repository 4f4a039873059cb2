"""What a fresh interpreter loads for the common first steps: importing the package, making
a client, asking the command line for help. Each leaves out what it does not need (httpx's
transport, the limiter's bucket, asyncio, the bulk machinery, Rich), which is most of the
time a cold start takes; ``benchmarks/run.py`` times them against httpx and Klaviyo's SDK.
"""

from __future__ import annotations

import json
import subprocess
import sys

KEY = "pk_cold_start_0123456789abcdef"


def _loaded(code: str, *prefixes: str) -> list[str]:
    """The modules under ``prefixes`` that ``code`` leaves imported, run in a fresh
    interpreter."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_package_imports_no_httpx() -> None:
    assert _loaded("import klaviyo_profiles", "httpx", "klaviyo_profiles.client") == []


def test_the_generated_types_import_no_httpx() -> None:
    assert _loaded("import klaviyo_profile_import.types", "httpx") == []


def test_making_a_sync_client_imports_no_transport_bucket_asyncio_or_bulk_machinery() -> None:
    code = f"import klaviyo_profiles; klaviyo_profiles.KlaviyoProfiles(api_key={KEY!r})"
    assert (
        _loaded(
            code,
            "httpcore",
            "pyrate_limiter",
            "asyncio",
            "klaviyo_profiles._hybrid",
            "klaviyo_profiles._prepare",
            "klaviyo_profiles._polling",
            "klaviyo_profiles._streaming",
            "klaviyo_profile_import.api.profiles.bulk_import_profiles",
        )
        == []
    )


def test_the_command_lines_help_imports_neither_the_client_nor_rich() -> None:
    code = (
        "import contextlib, io\n"
        "from klaviyo_profiles.console import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])"
    )
    assert _loaded(code, "httpx", "rich", "klaviyo_profiles.client", "klaviyo_profiles.body") == []

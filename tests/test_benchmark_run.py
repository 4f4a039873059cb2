"""``benchmarks/run.py --quick`` keeps working: it prints the one table with every row.

Only the shape is asserted, never a figure: timings belong to the benchmark, not to tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_ROWS = [
    "loopback sync: client CPU µs/request",
    "loopback sync: requests/s",
    "loopback async x4: client CPU µs/request",
    "loopback async x4: requests/s",
    "MockTransport sync: client CPU µs/call",
    "MockTransport sync: µs/call above raw httpx",
    "MockTransport async x4: client CPU µs/call",
    "MockTransport async x4: µs/call above raw httpx",
    "cold start: bare interpreter, ms",
    "cold start: `klaviyo-profiles --help`, ms",
    "cold start: import + first client, ms",
    "cold start: import + first client, ms, net of bare",
    "many accounts (10 keys, async x20 in all): requests/s",
]


def test_quick_run_prints_one_table_with_every_measurement() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    table = [line for line in lines if line.startswith("| ")]
    assert table[0].startswith("| measurement | klaviyo-profiles | against |")
    assert sum(line.startswith("|---") for line in lines) == 1, "exactly one table"
    names = {line.split(" | ")[0].removeprefix("| ") for line in table[1:]}
    assert set(EXPECTED_ROWS) <= names
    against = {line.split(" | ")[2] for line in table[1:]}
    assert {"raw httpx", "import httpx"} <= against
    # Every row compares against raw httpx, the SDK (or says it is missing) or the bare run.
    assert all(" | " in line and line.endswith("|") for line in table)
    assert any(line.startswith("- machine: ") for line in lines)

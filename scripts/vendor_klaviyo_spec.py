"""Write the facts-only copies of Klaviyo's published specs that the test suite reads.

Usage::

    python scripts/vendor_klaviyo_spec.py <folder of Klaviyo's specs> [--output tests/klaviyo_spec]

The folder holds one sub-folder per revision, as Klaviyo publishes them (``stable.json``,
``categories/profiles.json``, ``apis/create_or_update_profile.json``). Each file the tests use
(:data:`FILES`) is cut down by :func:`spec_tools.facts_copy` to the profile-import operation,
the bulk profile import job operations where the file has them, and what they reference, with
every description, summary, title and example left out, and written under the same relative
path. Klaviyo's license (MIT) is copied beside the files, as it asks. Running it again on the
same sources writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spec_tools

#: Files the tests read, relative to the folder of specs: every shape, and each revision the
#: tests regenerate a client for.
FILES: tuple[str, ...] = (
    "2024-10-15/stable.json",
    "2025-04-15/stable.json",
    "2026-07-15/stable.json",
    "2026-07-15/categories/profiles.json",
    "2026-07-15/apis/create_or_update_profile.json",
)
LICENSE = "LICENSE"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "klaviyo_spec"


def render(document: dict[str, object]) -> str:
    """The text of one copy: stable key order as in the source, one member per line."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def vendor(source: Path, output: Path) -> list[Path]:
    """Write every copy and the license under ``output``; return the paths written."""
    license_file = source / LICENSE
    if not license_file.is_file():
        raise SystemExit(f"{license_file}: Klaviyo's license is missing; it must go with the copy")
    written = []
    for name in FILES:
        document = spec_tools.load_document(source / name)
        target = output / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(spec_tools.facts_copy(document)), encoding="utf-8")
        written.append(target)
    output.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(license_file, output / LICENSE)
    written.append(output / LICENSE)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="folder of Klaviyo's specs, one per revision")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    for path in vendor(args.source, args.output):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

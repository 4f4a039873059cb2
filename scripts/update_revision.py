"""Move the project to another Klaviyo API revision in one command.

    python scripts/update_revision.py --source PATH_OR_URL [--revision R] [--dry-run]

``--source`` is any document Klaviyo publishes for a revision: the full ``stable.json``, a
category file such as ``categories/profiles.json``, or the per-endpoint file
``apis/create_or_update_profile.json``; a local path or an https URL.

The script finds the profile-import operation and, where the document has them, the bulk
profile import job operations (start a job, read a job, list a job's import errors; Klaviyo's
per-endpoint file of Create or Update Profile has none of them, so use the full spec or the
category file to keep them), each by its role (method and path, with or without a trailing
slash, whatever Klaviyo named it: see ``operations.py``), cuts them out with every component they
reference, drops Klaviyo's prose, keeps the project's own descriptions wherever the same field
still exists, prints what changed against the current ``spec/`` (operations renamed, added or
removed, limits no longer stated and the figure that stands in), writes ``spec/`` and
regenerates ``generated/``.

Exit status: 0 when the profile-import call can be served, whatever else the revision lacks
(job operations, limits); 2 when it cannot (the document has no such call, or it cannot be read
or generated).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import operations
import spec_tools

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = ROOT / "spec" / "profile-import.yaml"
FRAGMENT_TITLE = "klaviyo-profiles: Create or Update Profile"
SPEC_HEADER = (
    "# The project's OpenAPI 3.0 fragment for Create or Update Profile and the bulk profile\n"
    "# import jobs (one revision).\n"
    "# Facts equal Klaviyo's published spec for this revision; "
    "all prose here is the project's own.\n"
    "# Regenerate with: python scripts/update_revision.py --source <Klaviyo spec>\n"
)


def build_fragment(source: str | Path, *, revision: str | None, current: dict | None) -> dict:
    """The fragment for ``source``, carrying the project's prose over from ``current``."""
    document = spec_tools.load_document(source)
    fragment = spec_tools.extract_fragment(document, revision=revision)
    fragment["info"]["title"] = FRAGMENT_TITLE
    if current is not None:
        spec_tools.carry_descriptions(fragment, current)
    return fragment


def fallback_lines(fragment: dict) -> list[str]:
    """One line per limit the fragment's revision leaves out that another published revision
    states: the figure generation uses instead, and the revision it comes from."""
    revision = fragment["info"]["version"]
    lines = []
    for role, _, _, operation in spec_tools.find_operations(fragment):
        for key, field in operations.LIMIT_FACTS.items():
            found = None if key in operation else operations.fallback(role, key, revision)
            if found is not None:
                lines.append(f"{role} {field}: {found[0]} (revision {found[1]}'s figure)")
    return lines


def render(fragment: dict) -> str:
    """The text of ``spec/profile-import.yaml`` for ``fragment``."""
    return SPEC_HEADER + spec_tools.dump_yaml(fragment)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="path or https URL of a Klaviyo spec")
    parser.add_argument("--revision", help="revision to pin (default: read from the document)")
    parser.add_argument(
        "--spec", type=Path, default=SPEC_FILE, help="fragment to update (default: %(default)s)"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="generated package folder (default: generated/)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the changelog only; write nothing"
    )
    args = parser.parse_args(argv)

    current = spec_tools.load_document(args.spec) if args.spec.exists() else None
    try:
        fragment = build_fragment(args.source, revision=args.revision, current=current)
    except spec_tools.SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if current is not None:
        lines = spec_tools.changelog(current, fragment)
        print(f"Changes from {args.spec.name} to {args.source}:")
        print("\n".join(f"  {line}" for line in lines) if lines else "  (no change in facts)")
    fallbacks = fallback_lines(fragment)
    if fallbacks:
        revision = fragment["info"]["version"]
        print(f"Limits revision {revision} does not state (generated with another's figure):")
        print("\n".join(f"  {line}" for line in fallbacks))
    if args.dry_run:
        return 0

    args.spec.parent.mkdir(parents=True, exist_ok=True)
    args.spec.write_text(render(fragment), encoding="utf-8")
    print(f"wrote {args.spec.relative_to(ROOT) if args.spec.is_relative_to(ROOT) else args.spec}")

    import generate

    return generate.main(
        ["--spec", str(args.spec)] + (["--output", str(args.output)] if args.output else [])
    )


if __name__ == "__main__":
    sys.exit(main())

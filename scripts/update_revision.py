"""Move the project to another Klaviyo API revision in one command.

    python scripts/update_revision.py --source PATH_OR_URL [--revision R] [--dry-run]

``--source`` is any document Klaviyo publishes for a revision: the full ``stable.json``, a
category file such as ``categories/profiles.json``, or the per-endpoint file
``apis/create_or_update_profile.json``; a local path or an https URL (plain http only on
loopback; credentials in the URL are masked wherever the script shows it).

The script finds the profile-import operation and, where the document has them, the bulk
profile import job operations (start a job, read a job, list a job's import errors; Klaviyo's
per-endpoint file of Create or Update Profile has none of them, so use the full spec or the
category file to keep them), each by its role (method and path, with or without a trailing
slash, whatever Klaviyo named it: see ``operations.py``), cuts them out with every component they
reference, drops Klaviyo's prose, keeps the project's own descriptions wherever the same field
still exists (matched by the operation's role and the field's path in it), prints what changed
against the current ``spec/`` (operations renamed, added or removed, limits no longer stated and
the figure that stands in, required parameters the client does not send), generates the new
package beside ``generated/`` and checks it, and only then puts the new ``spec/`` and
``generated/`` in place together (``swap.py``): a failure or an interruption leaves the checkout
as it was.

Exit status: 0 when the profile-import call can be served, whatever else the revision lacks
(job operations, limits: a job operation the generator cannot produce, or that requires a
parameter the client does not send, is left out and named in a ``note:`` line); 2 when it
cannot (the document has no such call, or it cannot be read, or the call cannot be generated or
requires a parameter the client does not send), with one ``error:`` line.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
import operations
import spec_tools
import swap

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


def build_fragment(
    source: str | Path, *, revision: str | None, current: dict[str, Any] | None
) -> dict[str, Any]:
    """The fragment for ``source``, carrying the project's prose over from ``current``."""
    document = spec_tools.load_document(source)
    fragment = spec_tools.extract_fragment(document, revision=revision)
    fragment["info"]["title"] = FRAGMENT_TITLE
    if current is not None:
        spec_tools.carry_descriptions(fragment, current)
    return fragment


def fallback_lines(fragment: dict[str, Any]) -> list[str]:
    """One line per limit the fragment's revision leaves out (or states in part) that another
    published revision states: the figure generation uses instead, and the revision it comes
    from."""
    revision = fragment["info"]["version"]
    lines = []
    for role, _, _, operation in spec_tools.find_operations(fragment):
        values, fallbacks = operations.stated_or_fallback(role, operation, revision)
        for key, field in operations.LIMIT_FACTS.items():
            if field in fallbacks:
                figure, source = values[key], fallbacks[field]
                lines.append(f"{role} {field}: {figure} (revision {source}'s figure)")
    return lines


def render(fragment: dict[str, Any]) -> str:
    """The text of ``spec/profile-import.yaml`` for ``fragment``."""
    return SPEC_HEADER + spec_tools.dump_yaml(fragment)


def write(fragment: dict[str, Any], spec: Path, output: Path) -> list[str]:
    """Generate the package for ``fragment`` beside ``output``, check it, then put it and the
    fragment in place of ``output`` and ``spec`` together (``swap.py``): a failure or an
    interruption leaves both as they were. Returns one line per operation left out."""
    new_spec = swap.staged_spec(spec)
    staging = swap.staging_folder(output)
    try:
        spec.parent.mkdir(parents=True, exist_ok=True)
        new_spec.write_text(render(fragment), encoding="utf-8")
        notes = generate.build(new_spec, staging / generate.PACKAGE)
        swap.install(staging / generate.PACKAGE, output, new_spec=new_spec, spec=spec)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        new_spec.unlink(missing_ok=True)
    return notes


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="path or https URL of a Klaviyo spec")
    parser.add_argument("--revision", help="revision to pin (default: read from the document)")
    parser.add_argument(
        "--spec", type=Path, default=SPEC_FILE, help="fragment to update (default: %(default)s)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=generate.OUTPUT_DIR,
        help="generated package folder (default: generated/)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the changelog only; write nothing"
    )
    args = parser.parse_args(argv)
    # Messages name the source with a URL's credentials masked.
    source = spec_tools.describe_source(args.source)
    started = time.perf_counter()
    try:
        if not args.dry_run:
            restored = swap.recover(args.output, args.spec)
            if restored:
                print(restored, file=sys.stderr)
        current = spec_tools.load_document(args.spec) if args.spec.exists() else None
        fragment = build_fragment(args.source, revision=args.revision, current=current)
        if current is not None:
            lines = spec_tools.changelog(current, fragment)
            print(f"Changes from {args.spec.name} to {source}:")
            print("\n".join(f"  {line}" for line in lines) if lines else "  (no change in facts)")
        fallbacks = fallback_lines(fragment)
        if fallbacks:
            revision = fragment["info"]["version"]
            print(f"Limits revision {revision} does not state (generated with another's figure):")
            print("\n".join(f"  {line}" for line in fallbacks))
        # What the profile-import call needs (a body, limits, parameters the client sends) is
        # checked before anything is written, in a dry run too.
        generate.endpoint_facts(fragment)
        if args.dry_run:
            return 0
        notes = write(fragment, args.spec, args.output)
    except spec_tools.SpecError as exc:
        print(f"error: {spec_tools.scrub(str(exc), args.source)}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}")
    print(
        f"wrote {_shown(args.spec)} and {_shown(args.output)} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``klaviyo-profiles`` script's entry point, importable without the ``cli`` extra.

The command line lives in :mod:`klaviyo_profiles.cli`, which imports Click and Rich at the top;
this module checks for them first so that a package installed without the extra answers with
the line to run, not a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .extras import MissingExtraError, require_extra

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line, or say which extra it needs (exit status 1)."""
    try:
        require_extra("cli", "the klaviyo-profiles command")
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from .cli import main as cli_main

    return cli_main(argv)

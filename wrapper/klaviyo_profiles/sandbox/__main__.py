"""``python -m klaviyo_profiles.sandbox --port 8080``: serve a sandbox in the foreground."""

from __future__ import annotations

import sys

from .server import cli_main

if __name__ == "__main__":
    sys.exit(cli_main())

"""``python -m klaviyo_profiles.cli``: the same as the ``klaviyo-profiles`` script."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())

"""The README's main command runs on the embedded sandbox with no key and no network."""

from __future__ import annotations

import io
import json

from klaviyo_profiles.demo import run_demo


def test_demo_creates_updates_clears_and_keeps() -> None:
    out = io.StringIO()
    assert run_demo(out=out) == 0
    text = out.getvalue()
    assert "-> 201 created" in text and text.count("-> 200 updated") == 3
    stored = [
        json.loads(line.split("stored: ", 1)[1]) for line in text.splitlines() if "stored: " in line
    ]
    assert stored[1]["location"]["city"] == "Paris"
    assert stored[1]["location"]["country"] == "United Kingdom"
    assert stored[2]["last_name"] is None
    assert stored[3]["first_name"] == "Ada"

"""The README's main command runs on the embedded sandbox with no key and no network."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from klaviyo_profiles.demo import run_demo
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig


@pytest.fixture(scope="module")
def tour() -> tuple[str, list[dict[str, Any]]]:
    """The demo's text, and what each step read back, from one run."""
    out = io.StringIO()
    assert run_demo(out=out) == 0
    text = out.getvalue()
    stored = [
        json.loads(line.split("stored: ", 1)[1]) for line in text.splitlines() if "stored: " in line
    ]
    return text, stored


def test_demo_creates_updates_clears_and_keeps(tour: tuple[str, list[dict[str, Any]]]) -> None:
    text, stored = tour
    assert "-> 201 created" in text and text.count("-> 200 updated") == 3
    assert stored[1]["location"]["city"] == "Paris"
    assert stored[1]["location"]["country"] == "United Kingdom"
    assert stored[2]["last_name"] is None
    assert stored[3]["first_name"] == "Ada"


def test_demo_shows_a_job_ignoring_a_null_the_routing_and_a_typed_error(
    tour: tuple[str, list[dict[str, Any]]],
) -> None:
    text, stored = tour
    assert len(stored) == 6
    # The job ran (its property is there) and left the null field as it was.
    assert stored[4]["properties"]["source"] == "bulk job"
    assert stored[4]["first_name"] == "Ada"
    assert "refused before sending, InvalidInputError: profiles[0].attributes.first_name" in text
    # The many-profile call sent the row with a null one by one, and that cleared the field.
    assert "-> row 0: in bulk import job " in text
    assert "-> row 1: one by one (Create or Update Profile), 200" in text
    assert stored[5]["first_name"] is None
    assert "BadRequestError (status_code 400)" in text
    assert "error.pointer '/data/attributes/email'" in text


def test_a_second_tour_against_one_server_says_the_email_named_a_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", "pk_demo_test_key_0000000000000")
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as sandbox:
        sandbox.set_jobs(queue_delay=0.0)
        texts = []
        for _ in range(2):
            out = io.StringIO()
            assert run_demo(sandbox.base_url, out=out) == 0
            texts.append(out.getvalue())
    first, second = (text.split("\n2. ")[0] for text in texts)
    assert "1. Create or update: 201 if the email matches no profile yet" in first
    assert "-> 201 created," in first
    # Before: "Create: the email matches no profile yet", above a 200.
    assert "matches no profile yet" not in second.replace("201 if the email matches", "")
    assert "-> 200 updated (the email already named a profile there)," in second

"""Fixtures for the wrapper's tests (the recording server lives in ``wire_recorder``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import KlaviyoProfiles
from wire_recorder import API_KEY, Recorder, official_validator


@pytest.fixture
def recorder(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    """A recording server; on teardown every recorded request must satisfy Klaviyo's spec."""
    server = Recorder()
    server.start()
    try:
        yield server
    finally:
        server.stop()
    specs = Path(__file__).resolve().parents[1] / "klaviyo_spec"
    if not request.node.get_closest_marker("invalid_on_purpose"):
        check = official_validator(specs, facts.REVISION)
        if check is not None:
            problems = [
                f"request {index}: {problem}"
                for index, recorded in enumerate(server.requests)
                for problem in check(recorded)
            ]
            assert not problems, "requests that Klaviyo's spec rejects:\n" + "\n".join(problems)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "invalid_on_purpose: the test sends bodies the spec rejects, to see the reply"
    )


@pytest.fixture
def client(recorder: Recorder) -> Iterator[KlaviyoProfiles]:
    """A client sending to the recorder: no pacing and no retries, so each call is one request."""
    with KlaviyoProfiles(
        api_key=API_KEY, base_url=recorder.base_url, retry_policy=None, rate_limits=False
    ) as made:
        yield made

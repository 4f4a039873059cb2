"""Client conventions that users of httpx and openai-python expect: per-call ``timeout=`` and
``extra_headers=``, ``with_options`` copies sharing the pool, a caller's ``http_client=``
settings respected, a silent library logger, one signal per event, warnings at the caller."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import traceback
import warnings
from collections.abc import Iterator

import httpx
import pytest
from klaviyo_profiles import (
    APITimeoutError,
    AsyncKlaviyoProfiles,
    InvalidInputError,
    KlaviyoProfiles,
    RetryPolicy,
    ServerError,
)
from klaviyo_profiles.revision import RevisionWarning
from klaviyo_profiles.sandbox import FaultConfig, RateLimitConfig, Sandbox, SandboxConfig

KEY = "pk_options_test_key_000000000000"


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as sb:
        yield sb


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Iterator[Sandbox]:
    module_sandbox.reset()
    yield module_sandbox
    module_sandbox.set_faults(FaultConfig())


def client_for(sandbox: Sandbox, **options: object) -> KlaviyoProfiles:
    settings: dict[str, object] = {"rate_limits": False, "retry_policy": None, **options}
    return KlaviyoProfiles(api_key=KEY, base_url=sandbox.base_url, **settings)  # type: ignore[arg-type]


def test_per_call_timeout_applies_to_that_call_only(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(latency=1.0))
    with client_for(sandbox) as client:
        with pytest.raises(APITimeoutError):
            client.create_or_update_profile(email="slow@example.com", timeout=0.2)
        # The client's own timeout (30 s read) still holds for the next call.
        assert client.create_or_update_profile(email="slow@example.com").profile_id


def test_per_call_timeout_is_checked_before_sending(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client, pytest.raises(InvalidInputError, match="timeout"):
        client.create_or_update_profile(email="a@example.com", timeout=-1)
    assert sandbox.requests() == []


def test_timeout_none_means_no_limit_in_types_and_at_run_time(sandbox: Sandbox) -> None:
    with client_for(sandbox, timeout=None) as client:
        assert client.timeout == httpx.Timeout(None)
        assert client.create_or_update_profile(email="a@example.com", timeout=None).created


def test_extra_headers_are_sent_with_that_call(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        client.create_or_update_profile(
            email="a@example.com", extra_headers={"X-Request-Id": "req-42"}
        )
        client.create_or_update_profile(email="a@example.com")
    first, second = sandbox.requests()
    assert first["headers"]["x-request-id"] == "req-42"
    assert "x-request-id" not in second["headers"]


def test_extra_headers_cannot_replace_the_api_key(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client, pytest.raises(InvalidInputError, match="extra_headers"):
        client.create_or_update_profile(
            email="a@example.com", extra_headers={"authorization": "Klaviyo-API-Key pk_other"}
        )
    assert sandbox.requests() == []


def test_http_client_timeout_is_respected_when_no_timeout_is_given(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(latency=1.0))
    with httpx.Client(timeout=0.2) as http:
        client = client_for(sandbox, http_client=http)
        assert client.timeout == httpx.Timeout(0.2)
        with pytest.raises(APITimeoutError):
            client.create_or_update_profile(email="a@example.com")


def test_explicit_timeout_takes_precedence_over_the_http_client(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(latency=0.5))
    with httpx.Client(timeout=0.1) as http:
        client = client_for(sandbox, http_client=http, timeout=30)
        assert client.create_or_update_profile(email="a@example.com").created


def test_http_client_headers_still_go_out(sandbox: Sandbox) -> None:
    with httpx.Client(headers={"X-Team": "growth"}) as http:
        client_for(sandbox, http_client=http).create_or_update_profile(email="a@example.com")
    request = sandbox.requests()[-1]
    assert request["headers"]["x-team"] == "growth"
    assert request["headers"]["revision"]


def test_with_options_returns_a_configured_copy_sharing_the_pool(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(latency=0.6))
    with client_for(sandbox) as client:
        hasty = client.with_options(timeout=0.1)
        assert hasty._http is client._http
        assert hasty is not client and client.timeout != hasty.timeout
        with pytest.raises(APITimeoutError):
            hasty.create_or_update_profile(email="a@example.com")
        hasty.close()  # leaves the shared pool open
        assert client.create_or_update_profile(email="a@example.com").profile_id
        assert not client._http.is_closed
    assert client._http.is_closed


def test_with_options_changes_the_retry_policy_only_in_the_copy(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(script=(500,)))
    with client_for(sandbox) as client:
        patient = client.with_options(
            retry_policy=RetryPolicy(max_attempts=2, initial_backoff=0.01, max_backoff=0.01)
        )
        assert patient.create_or_update_profile(email="a@example.com").attempts == 2
        sandbox.set_faults(FaultConfig(script=(500,)))
        with pytest.raises(ServerError):
            client.create_or_update_profile(email="a@example.com")


def test_library_logger_has_a_null_handler_so_unconfigured_apps_stay_quiet() -> None:
    assert any(
        isinstance(handler, logging.NullHandler)
        for handler in logging.getLogger("klaviyo_profiles").handlers
    )
    code = "import klaviyo_profiles, logging; logging.getLogger('klaviyo_profiles.x').warning('w')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stderr == ""


def test_no_giving_up_message_when_retries_are_off(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.set_faults(FaultConfig(script=(500,)))
    caplog.set_level(logging.INFO, logger="klaviyo_profiles")
    client = client_for(sandbox, retry_policy=RetryPolicy(max_attempts=1))
    with client, pytest.raises(ServerError):
        client.create_or_update_profile(email="a@example.com")
    assert not [r for r in caplog.records if "giving up" in r.getMessage()]


def test_giving_up_is_still_logged_when_retries_ran_out(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.set_faults(FaultConfig(script=(500, 500)))
    caplog.set_level(logging.INFO, logger="klaviyo_profiles")
    policy = RetryPolicy(max_attempts=2, initial_backoff=0.01, max_backoff=0.01)
    with client_for(sandbox, retry_policy=policy) as client, pytest.raises(ServerError):
        client.create_or_update_profile(email="a@example.com")
    assert [r for r in caplog.records if "giving up after attempt 2" in r.getMessage()]


def test_revision_warning_points_at_the_line_that_created_the_client(tmp_path: object) -> None:
    code = textwrap.dedent(
        """
        import warnings
        warnings.simplefilter("always")
        from klaviyo_profiles import KlaviyoProfiles
        client = KlaviyoProfiles(api_key="pk_stacklevel_test_key_0000000", revision="2020-01-17")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "always"},
    )
    assert result.returncode == 0, result.stderr
    warning_lines = [line for line in result.stderr.splitlines() if "Warning:" in line]
    assert warning_lines
    # "<string>:5:" is the user's line 5, not a file of the library.
    assert all(line.startswith("<string>:5: Revision") for line in warning_lines), warning_lines


def test_revision_warning_from_with_options_points_at_the_caller(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.with_options(revision="2020-01-18")
    assert caught and all(w.filename == __file__ for w in caught)
    assert all(issubclass(w.category, RevisionWarning) for w in caught)


@pytest.mark.parametrize("cls", [KlaviyoProfiles, AsyncKlaviyoProfiles])
@pytest.mark.parametrize(
    ("settings", "shown"),
    [
        ({"api_key": KEY, "base_url": "ftp://example.com"}, "(base_url=None, revision=None"),
        ({"api_key": "pk bad key"}, "KlaviyoApiKeyAuth(key='****')"),
    ],
)
def test_a_refused_setting_can_be_reported_with_every_frames_locals(
    cls: type[KlaviyoProfiles | AsyncKlaviyoProfiles], settings: dict[str, str], shown: str
) -> None:
    # Error trackers show each frame's locals: the client (or its auth) whose constructor
    # refused a setting is one of them, and showing it must not fail.
    with pytest.raises(InvalidInputError) as refused:
        cls(**settings)
    error = refused.value
    report = traceback.TracebackException.from_exception(error, capture_locals=True)
    assert shown in "".join(report.format())

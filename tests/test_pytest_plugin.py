"""The pytest plugin as a user's own suite meets it: tests isolated from one another (the
sandbox and the client-side pacing reset together), client fixtures bound to the sandbox, and
an error naming the extra to install when the sandbox cannot run, never a silent skip.

The user's suites run in a nested pytest (``pytester``), in this process: the limiters a test
leaves behind live in the process, which is what isolation has to deal with.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: Six requests a minute on the client's side: a test that sends six leaves the next one a
#: wait of a minute, unless pacing starts afresh. ``total_timeout=5`` turns such a wait into an
#: immediate ``RateLimitWaitError`` instead of a slow test.
USER_SUITE = textwrap.dedent(
    """
    import pytest
    from klaviyo_profiles import KlaviyoProfiles, RateLimits

    LIMITS = RateLimits(burst_limit=5, burst_period=0.1, steady_limit=6, steady_period=60.0)
    KEY = "pk_user_suite_key_0000000000000"


    def client_for(sandbox):
        return KlaviyoProfiles(api_key=KEY, base_url=sandbox.base_url, rate_limits=LIMITS)


    @pytest.fixture(scope="module")
    def long_lived(klaviyo_sandbox_server):
        with client_for(klaviyo_sandbox_server) as client:
            yield client


    def test_one_spends_the_whole_budget(klaviyo_sandbox, long_lived):
        with client_for(klaviyo_sandbox) as client:
            for i in range(5):
                client.create_or_update_profile(email=f"a{i}@example.com")
        long_lived.create_or_update_profile(email="a5@example.com")


    def test_two_sends_at_once_with_a_new_client(klaviyo_sandbox):
        with client_for(klaviyo_sandbox) as client:
            assert client.create_or_update_profile(email="b@example.com", total_timeout=5).created


    def test_three_sends_at_once_with_a_client_kept_from_before(klaviyo_sandbox, long_lived):
        assert long_lived.create_or_update_profile(email="c@example.com", total_timeout=5).created
        assert len(klaviyo_sandbox.profiles()) == 1
    """
)

CLIENT_FIXTURES_SUITE = textwrap.dedent(
    """
    import pytest


    def test_sync_client(klaviyo_client, klaviyo_sandbox):
        assert klaviyo_client.base_url == klaviyo_sandbox.base_url
        assert klaviyo_client.create_or_update_profile(email="sync@example.com").created
        assert [p["attributes"]["email"] for p in klaviyo_sandbox.profiles()] == [
            "sync@example.com"
        ]


    @pytest.mark.asyncio
    async def test_async_client(async_klaviyo_client, klaviyo_sandbox):
        result = await async_klaviyo_client.create_or_update_profile(email="async@example.com")
        assert result.created
        assert klaviyo_sandbox.profiles()[0]["attributes"]["email"] == "async@example.com"


    def test_each_test_sees_only_its_own_profiles(klaviyo_client, klaviyo_sandbox):
        assert klaviyo_sandbox.profiles() == []
    """
)

KEYED_SUITE = textwrap.dedent(
    """
    import pytest
    from klaviyo_profiles.sandbox import SandboxConfig


    @pytest.fixture(scope="session")
    def klaviyo_sandbox_config():
        return SandboxConfig(api_keys={"pk_only_this_one_000000": ("profiles:write",)})


    def test_the_client_uses_a_key_the_sandbox_accepts(klaviyo_client):
        assert klaviyo_client.create_or_update_profile(email="k@example.com").created
    """
)

SANDBOX_SUITE = textwrap.dedent(
    """
    def test_uses_the_sandbox(klaviyo_sandbox):
        assert klaviyo_sandbox.profiles() == []
    """
)


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


def test_a_test_starts_with_fresh_pacing_after_another_spent_the_budget(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_user_suite=USER_SUITE)

    result = run(pytester)

    result.assert_outcomes(passed=3)


def test_the_client_fixtures_are_bound_to_the_sandbox(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_client_fixtures=CLIENT_FIXTURES_SUITE)

    result = run(pytester)

    result.assert_outcomes(passed=3)


def test_the_client_fixture_takes_a_key_the_configured_sandbox_accepts(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_keyed=KEYED_SUITE)

    result = run(pytester)

    result.assert_outcomes(passed=1)


def test_without_the_sandbox_extra_the_fixture_errors_with_the_install_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_needs_sandbox.py").write_text(SANDBOX_SUITE)
    # starlette made unimportable, as it is where the extra is not installed.
    code = textwrap.dedent(
        """
        import sys
        sys.modules["starlette"] = None
        import pytest
        sys.exit(pytest.main(["-p", "no:cacheprovider", "-rA", "test_needs_sandbox.py"]))
        """
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # tests failed or errored: not 0, not "no tests"
    assert "1 error" in output and "skipped" not in output, output
    assert "pip install 'klaviyo-profiles[sandbox]'" in output
    # Said once, as the whole report: not again under "During handling of the above ...".
    assert "During handling" not in output, output

"""Every fenced code block of the README, CONTRIBUTING.md and docs/ runs, or says here why not.

Python blocks run in order in one namespace per page (as a reader pastes them), against a
sandbox on loopback: ``api_key="pk_..."`` gets a sandbox key and the sandbox's ``base_url``,
and Redis URLs point at a redis-server the test starts. Shell blocks run each
``klaviyo-profiles`` command against the sandbox with the files they name, and each ``make``
line as ``make -n`` (the target exists and plans). A TOML block is a file the shell blocks
use, named by its first comment (``# shopify.toml: ...``). A block that is not code (a layout,
a list of Redis keys) or that cannot run here is listed in ``NOT_RUN`` with the reason, and a
new block that is neither run nor listed fails the test.

A block whose client would reach Klaviyo must say so and show ``base_url=`` for the sandbox
(``--base-url`` for a shell command).
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig
from process_helpers import free_port
from redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: The pages whose blocks run, the README first.
PAGES = [README, ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
DATA = Path(__file__).resolve().parent / "cli" / "data"
KEY = "pk_readme_test_key_00000000000000"

#: Blocks not run here, by a phrase they contain, and why.
NOT_RUN = {
    "pip install -e '.[cli]'": "installs into the running environment; tests/test_packaging.py "
    "builds the distributions and installs them in a fresh venv",
    "python -m build --wheel": "builds and installs a wheel; tests/test_packaging.py does the "
    "same in a fresh venv",
    "python -m venv .venv && . .venv/bin/activate": "creates a venv and runs the whole suite; "
    "the same steps as make test",
    "pip install -e '.[generate]'": "regeneration: tests/generation runs generate.py, --check "
    "and update_revision.py on copies; the page's --source is a placeholder",
    "pip install -e '.[bench]'": "benchmarks take minutes each; tests/test_benchmark_run.py runs "
    "run.py --quick",
    "klaviyo-profiles:{3f2a9c01e4b5d6a7": "not code: the Redis keys, for reading",
    "spec/        the project's OpenAPI": "not code: the repository layout",
}


def page_name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def blocks(page: Path = README) -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced block of a page, in order."""
    return [
        (match.group(1), match.group(2))
        for match in re.finditer(r"^```(\w*)\n(.*?)^```", page.read_text(), re.M | re.S)
    ]


def all_blocks() -> list[tuple[Path, str, str]]:
    return [(page, language, code) for page in PAGES for language, code in blocks(page)]


def not_run_reason(code: str) -> str | None:
    return next((why for phrase, why in NOT_RUN.items() if phrase in code), None)


def runnable(page: Path, language: str) -> list[str]:
    return [code for lang, code in blocks(page) if lang == language and not not_run_reason(code)]


def pages_with(language: str) -> list[Any]:
    return [pytest.param(page, id=page_name(page)) for page in PAGES if runnable(page, language)]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as sb:
        yield sb


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("readme-redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_every_block_is_run_or_says_why_not() -> None:
    for page, language, code in all_blocks():
        if not_run_reason(code) is None:
            where = f"a {language or 'plain'} block of {page_name(page)}:\n{code}"
            assert language in ("python", "bash", "toml"), where
            if language == "bash":
                assert shell_commands(code), f"nothing to run in {where}"
    codes = [code for _, _, code in all_blocks()]
    assert all(any(phrase in code for code in codes) for phrase in NOT_RUN), (
        "NOT_RUN names a block no page has any longer"
    )


def test_the_readme_opens_with_its_two_commands_run_as_make_targets() -> None:
    # tests/test_dev_commands.py checks the commands themselves; here, that they are run.
    language, code = blocks()[0]
    assert (language, not_run_reason(code)) == ("bash", None)
    assert [command[:2] for command in shell_commands(code)] == [
        ["make", "demo"],
        ["make", "test"],
    ]


def python_comments_and_code(code: str) -> tuple[str, str]:
    """The comments of a Python block, and the block without them."""
    comments, kept = [], []
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        (comments if token.type == tokenize.COMMENT else kept).append(token)
    return "\n".join(token.string for token in comments), tokenize.untokenize(kept)


def test_blocks_that_reach_klaviyo_say_so_and_show_the_sandboxs_base_url() -> None:
    for page, language, code in all_blocks():
        where = f"{page_name(page)}:\n{code}"
        if language == "python":
            comments, bare = python_comments_and_code(code)
            if re.search(r"\b(?:Async)?KlaviyoProfiles\(", bare) and "base_url=" not in bare:
                assert re.search(r"reaches Klaviyo", comments, re.I), where
                assert "base_url=" in comments, where
        elif language == "bash" and not not_run_reason(code):
            sends = [
                command
                for command in shell_commands(code)
                if command[:2] in (["klaviyo-profiles", "upsert"], ["klaviyo-profiles", "import"])
            ]
            if any("--base-url" not in command for command in sends):
                comments = [line for line in code.splitlines() if line.lstrip().startswith("#")]
                assert any(re.search(r"reach Klaviyo", line, re.I) for line in comments), where
                assert any("--base-url" in line for line in comments), where


def for_sandbox(code: str, sandbox: Sandbox, redis: RedisServer) -> str:
    code = code.replace('api_key="pk_..."', f"api_key={KEY!r}, base_url={sandbox.base_url!r}")
    return re.sub(r"redis://redis\.internal:6379/0", redis.url, code)


#: What a page's Python blocks leave in the test's sandbox (the module's, reset for each page):
#: the emails they store there. Pages whose blocks start their own sandbox leave nothing here.
STORED_BY_PYTHON_BLOCKS = {
    "README.md": {"ada@example.com"},
    "docs/library.md": {"ada@example.com", "grace@example.com"},
    "docs/bulk.md": {"ada@example.com", "customer0@example.com", "customer299@example.com"},
    "docs/fleet.md": {"ada@example.com"},
}


@pytest.mark.parametrize("page", pages_with("python"))
def test_python_blocks_run_against_the_sandbox(
    page: Path,
    sandbox: Sandbox,
    redis: RedisServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)  # files a block names (a limiter's database) land here
    sandbox.reset()
    namespace: dict[str, Any] = {"__name__": "readme"}
    for code in runnable(page, "python"):
        if "def test_" in code:
            run_as_pytest(code, sandbox, tmp_path)
        else:
            # The fleet block's client has no base_url (it shows the limiter, not the host):
            # its KlaviyoProfiles is created, which is what the block does, and not called.
            exec(compile(for_sandbox(code, sandbox, redis), page_name(page), "exec"), namespace)
    emails = {profile["attributes"]["email"] for profile in sandbox.profiles()}
    assert STORED_BY_PYTHON_BLOCKS.get(page_name(page), set()) <= emails
    if page == README:
        assert namespace["result"].created is True


def test_every_page_that_stores_through_the_sandbox_says_what() -> None:
    # A page renamed or a block moved must not leave its expectation behind unchecked.
    assert set(STORED_BY_PYTHON_BLOCKS) <= {page_name(page) for page in PAGES}


def test_the_web_app_block_serves_signups_against_the_sandbox(sandbox: Sandbox) -> None:
    ((page, code),) = [
        (page, code) for page, _, code in all_blocks() if "FastAPI(lifespan=" in code
    ]
    namespace: dict[str, Any] = {"__name__": "readme_app"}
    code = code.replace('api_key="pk_..."', f"api_key={KEY!r}, base_url={sandbox.base_url!r}")
    exec(compile(code, page_name(page), "exec"), namespace)
    app = namespace["app"]
    sandbox.reset()

    async def serve() -> tuple[httpx.Response, httpx.Response, Any]:
        # The app's lifespan around requests over httpx's ASGI transport, as a server runs it.
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                first = await http.post(
                    "/signup", json={"email": "web@example.com", "first_name": "Ada"}
                )
                again = await http.post(
                    "/signup", json={"email": "web@example.com", "phone_number": None}
                )
            return first, again, app.state.klaviyo

    first, again, klaviyo = asyncio.run(serve())

    assert first.json()["ok"] and first.json()["created"] is True, first.text
    assert again.json()["ok"] and again.json()["created"] is False, again.text
    # nulls="omit": the fields the form left empty were left out, so Ada is still stored.
    (profile,) = sandbox.profiles()
    assert profile["attributes"]["first_name"] == "Ada"
    second_body = sandbox.requests()[-1]["body"]
    assert second_body["data"]["attributes"] == {"email": "web@example.com"}
    assert klaviyo._closed  # closed with the app


def run_as_pytest(code: str, sandbox: Sandbox, tmp_path: Path) -> None:
    """A pytest-plugin block, as a user's test file (its tests use the plugin's fixtures);
    ``run_my_sync`` stands for the user's code that a block calls (three upserts to the base
    URL it is given)."""
    prelude = textwrap.dedent(
        f"""
        from klaviyo_profiles import KlaviyoProfiles

        def run_my_sync(base_url):
            with KlaviyoProfiles(api_key={KEY!r}, base_url=base_url) as client:
                for name in ("a", "b", "c"):
                    client.create_or_update_profile(email=name + "@example.com")
        """
    )
    test_file = tmp_path / "test_user_sync.py"
    test_file.write_text(prelude + "\n" + code)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"{code.count('def test_')} passed" in result.stdout


def shell_commands(code: str) -> list[list[str]]:
    """The ``klaviyo-profiles`` and ``make`` commands of a shell block, continuation lines
    joined; other lines (``export``, ``pip``, comments) are not run."""
    joined = code.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line.startswith(("klaviyo-profiles ", "make ")):
            commands.append(shlex.split(line))
    return commands


def toml_files() -> dict[str, str]:
    """The TOML blocks of every page, by the file name their first comment gives."""
    files = {}
    for _, language, code in all_blocks():
        if language == "toml":
            name = re.match(r"# ([\w.-]+\.toml):", code)
            assert name, f"a TOML block names its file in its first comment:\n{code}"
            files[name.group(1)] = code
    return files


def test_the_mapping_file_shown_is_the_one_the_tests_import_with() -> None:
    assert toml_files()["shopify.toml"] == (DATA / "shopify.toml").read_text()


@pytest.mark.parametrize("page", pages_with("bash"))
def test_shell_blocks_run_against_the_sandbox(
    page: Path, sandbox: Sandbox, redis: RedisServer, tmp_path: Path
) -> None:
    sandbox.reset()
    (tmp_path / "body.json").write_text(
        '{"data": {"type": "profile", "attributes": {"email": "json@example.com"}}}'
    )
    (tmp_path / "customers.csv").write_text(
        "E-mail,first_name,last_name\nbea@example.com,Bea,NULL\ncy@example.com,Cy,\n"
    )
    (tmp_path / "customers_export.csv").write_bytes((DATA / "shopify_customers.csv").read_bytes())
    (tmp_path / "feed.jsonl").write_text('{"email": "dee@example.com", "first_name": null}\n')
    for name, text in toml_files().items():
        (tmp_path / name).write_text(text)
    env = {**os.environ, "KLAVIYO_API_KEY": KEY, "COLUMNS": "200"}
    script = Path(sys.executable).with_name("klaviyo-profiles")
    commands = [
        command
        for code in runnable(page, "bash")
        for command in shell_commands(for_sandbox(code, sandbox, redis))
    ]
    for command in commands:
        if command[0] == "make":
            run_make_dry(command, tmp_path)
            continue
        name = command[1]
        if name == "sandbox":
            run_sandbox_command(script, command, env)
            continue
        if name in ("upsert", "import"):
            command = [*command, "--base-url", sandbox.base_url]
        result = subprocess.run(
            [str(script), *command[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
            env=env,
        )
        assert result.returncode == 0, f"{shlex.join(command)}\n{result.stderr}"
    assert commands
    check_what_the_commands_stored(commands, sandbox)


def check_what_the_commands_stored(commands: list[list[str]], sandbox: Sandbox) -> None:
    """What the page's commands must have left in the sandbox, read from the commands."""
    stored = {profile["attributes"]["email"]: profile for profile in sandbox.profiles()}
    sent = [entry["body"] for entry in sandbox.requests() if isinstance(entry["body"], dict)]
    for command in commands:
        if command[:2] == ["klaviyo-profiles", "upsert"] and "--email" in command:
            assert command[command.index("--email") + 1] in stored
        if command[:2] == ["klaviyo-profiles", "upsert"] and "--json" in command:
            assert "json@example.com" in stored
        if command[:3] == ["klaviyo-profiles", "import", "customers.csv"]:
            assert "bea@example.com" in stored
        if command[:3] == ["klaviyo-profiles", "import", "customers_export.csv"]:
            # The shop's export, with the mapping file shown: numbers and booleans typed.
            properties = stored["ada@example.com"]["attributes"]["properties"]
            assert properties["total_spent"] == 17.5
            assert properties["accepts_email_marketing"] is True
        if command[:3] == ["klaviyo-profiles", "import", "feed.jsonl"] and "omit" in command:
            # --nulls omit: the null was left out of the request, not sent to clear.
            assert {"email": "dee@example.com"} in [body["data"]["attributes"] for body in sent]


def run_make_dry(command: list[str], tmp_path: Path) -> None:
    """``make TARGET ...`` as ``make -n`` in a copy of what the Makefile reads: the target
    exists and plans its commands (tests/test_dev_commands.py checks what the plans hold)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    copy = tmp_path / "make-copy"
    (copy / ".ci").mkdir(parents=True, exist_ok=True)
    for name in ("Makefile", "pyproject.toml", ".ci/floors.txt"):
        shutil.copy(ROOT / name, copy / name)
    plan = subprocess.run(
        ["make", "-n", *command[1:]], cwd=copy, capture_output=True, text=True, check=False
    )
    assert plan.returncode == 0, f"{shlex.join(command)}\n{plan.stderr}"


def run_sandbox_command(script: Path, command: list[str], env: dict[str, str]) -> None:
    """``sandbox --port 8080``, on a free port instead: serve, answer, stop."""
    port = free_port()
    args = [str(port) if arg == "8080" else arg for arg in command[1:]]
    server = subprocess.Popen([str(script), *args], env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/sandbox/config", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox command did not serve"
                time.sleep(0.05)
        assert answer.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)

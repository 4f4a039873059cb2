"""``update_revision.py`` moves the project between revisions: changelog, prose, shapes, sources."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import generate
import pytest
import spec_tools
import update_revision
from regeneration import MUTATED_REVISION, OLD_OPERATION_IDS, mutated

PACKAGE = generate.PACKAGE
ENDPOINT_FILE = Path("2026-07-15") / "apis" / "create_or_update_profile.json"
# The full spec: unlike the per-endpoint file, it also holds the bulk profile import jobs.
STABLE_FILE = Path("2026-07-15") / "stable.json"
Loader = Callable[[Path], dict[str, Any]]


@pytest.fixture
def spec_copy(tmp_path: Path, fragment_path: Path) -> Path:
    """A copy of the committed fragment that update_revision may overwrite."""
    target = tmp_path / "spec" / "profile-import.yaml"
    target.parent.mkdir()
    shutil.copyfile(fragment_path, target)
    return target


@pytest.fixture
def fragment_2025(klaviyo_specs: Path, fragment: dict[str, Any]) -> dict[str, Any]:
    """The fragment the project would hold on 2025-04-15 (the seed's revision)."""
    return update_revision.build_fragment(
        klaviyo_specs / "2025-04-15" / "stable.json", revision=None, current=fragment
    )


# --------------------------------------------------------------------------------------------
# Changelog


def test_changelog_from_2025_04_15_to_2026_07_15(
    fragment_2025: dict[str, Any], fragment: dict[str, Any]
) -> None:
    lines = spec_tools.changelog(fragment_2025, fragment)
    text = "\n".join(lines)
    assert "revision: 2025-04-15 -> 2026-07-15" in lines
    assert "removed  request/data/attributes/anonymous_id" in lines
    assert any(line.startswith("added    parameter query fields[profile] ") for line in lines), text
    assert any(line.startswith("added    request/data/meta/patch_identifiers ") for line in lines)
    assert 'changed  operation x-klaviyo-ratelimit: steady "700/m" -> "750/m"' in lines
    assert any("response 200/data/attributes/subscriptions/whatsapp " in line for line in lines)
    # The burst limit did not change and must not be reported.
    assert "burst" not in text


def test_changelog_is_printed_and_dry_run_writes_nothing(
    klaviyo_specs: Path,
    fragment_2025: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = tmp_path / "profile-import.yaml"
    spec.write_text(update_revision.render(fragment_2025), encoding="utf-8")
    before = spec.read_bytes()
    output = tmp_path / "out" / PACKAGE

    code = update_revision.main(
        [
            "--source",
            str(klaviyo_specs / ENDPOINT_FILE),
            "--spec",
            str(spec),
            "--output",
            str(output),
            "--dry-run",
        ]
    )

    assert code == 0
    printed = capsys.readouterr().out
    assert "removed  request/data/attributes/anonymous_id" in printed
    assert 'steady "700/m" -> "750/m"' in printed
    assert spec.read_bytes() == before
    assert not output.exists()


# --------------------------------------------------------------------------------------------
# The project's prose across revisions


def _descriptions(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(JSON pointer, description) for every described object in a document."""
    if isinstance(node, dict):
        if isinstance(node.get("description"), str):
            yield pointer, node["description"]
        for key, value in node.items():
            if key != "description" or not isinstance(value, str):
                yield from _descriptions(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            key = value.get("name", index) if isinstance(value, dict) else index
            yield from _descriptions(value, f"{pointer}/{key}")


def test_update_to_the_same_revision_is_byte_identical(
    klaviyo_specs: Path,
    spec_copy: Path,
    fragment_path: Path,
    repo_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Klaviyo's 2026-07-15 file through update_revision gives back spec/ and generated/."""
    output = tmp_path / "out" / PACKAGE
    code = update_revision.main(
        [
            *("--source", str(klaviyo_specs / STABLE_FILE)),
            *("--spec", str(spec_copy)),
            *("--output", str(output)),
        ]
    )
    assert code == 0
    assert "(no change in facts)" in capsys.readouterr().out
    assert spec_copy.read_bytes() == fragment_path.read_bytes()
    assert generate.compare(output, repo_root / "generated" / PACKAGE) == []


def test_2025_04_15_keeps_the_projects_descriptions_and_none_of_klaviyos(
    fragment_2025: dict[str, Any], fragment: dict[str, Any], klaviyo_specs: Path, load_spec: Loader
) -> None:
    ours = dict(_descriptions(fragment))
    theirs = dict(_descriptions(fragment_2025))
    # Fields that exist in both revisions keep the project's words, place for place.
    kept = {pointer for pointer in theirs if pointer in ours}
    assert len(kept) > 100
    assert {p: theirs[p] for p in kept} == {p: ours[p] for p in kept}
    # A field that exists in both documents never lost its description.
    attributes = "/components/schemas/ProfileUpsertQueryResourceObject/properties/attributes"
    assert f"{attributes}/properties/email" in kept
    # Whatever description the new fragment has is one of the project's own (or empty).
    own = set(ours.values()) | {""}
    foreign = {pointer: text for pointer, text in theirs.items() if text not in own}
    assert not foreign
    # And Klaviyo's own prose of that revision (kept in the facts copy as digests) is nowhere
    # in it.
    klaviyo = load_spec(klaviyo_specs / "2025-04-15" / "stable.json")
    digests = set(klaviyo[spec_tools.PROSE_DIGESTS_KEY])
    assert len(digests) > 100
    pieces = {
        piece
        for text in spec_tools.prose_texts(fragment_2025)
        for piece in spec_tools.prose_pieces(text)
    }
    assert pieces
    assert not {p for p in pieces if spec_tools.prose_digest(p) in digests}


def test_2025_04_15_anonymous_id_has_no_description(fragment_2025: dict[str, Any]) -> None:
    pointers = dict(_descriptions(fragment_2025))
    schema = fragment_2025["components"]["schemas"]["ProfileUpsertQueryResourceObject"]
    anonymous_id = schema["properties"]["attributes"]["properties"]["anonymous_id"]
    assert anonymous_id == {"type": "string", "nullable": True}
    assert not any(pointer.endswith("/anonymous_id") for pointer in pointers)


# --------------------------------------------------------------------------------------------
# Early-revision shape: /api/profile-import/ with application/json and no operationId


def _early_shape(document: dict[str, Any]) -> dict[str, Any]:
    """Klaviyo's file reshaped the way early revisions published the call."""
    item = document["paths"].pop("/api/profile-import")
    operation = item["post"]
    del operation["operationId"]

    def rename(content: dict[str, Any]) -> None:
        content["application/json"] = content.pop("application/vnd.api+json")

    rename(operation["requestBody"]["content"])
    for response in [
        *operation["responses"].values(),
        *document["components"].get("responses", {}).values(),
    ]:
        if "content" in response:
            rename(response["content"])
    document["paths"]["/api/profile-import/"] = item
    return document


def test_early_revision_shape_is_found_and_reaches_the_facts_module(
    klaviyo_specs: Path,
    load_spec: Loader,
    spec_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "early.json"
    source.write_text(json.dumps(_early_shape(load_spec(klaviyo_specs / ENDPOINT_FILE))))
    output = tmp_path / "out" / PACKAGE

    code = update_revision.main(
        ["--source", str(source), "--spec", str(spec_copy), "--output", str(output)]
    )

    assert code == 0
    printed = capsys.readouterr().out
    assert 'path "/api/profile-import" -> "/api/profile-import/"' in printed
    assert 'response 200: media types ["application/vnd.api+json"] -> ["application/json"]' in (
        printed
    )
    facts = (output / "facts.py").read_text(encoding="utf-8")
    assert re.search(r'^PATH = "/api/profile-import/"$', facts, re.M)
    assert re.search(r'^MEDIA_TYPE = "application/json"$', facts, re.M)
    assert re.search(r'^OPERATION_ID = "create_or_update_profile"$', facts, re.M)
    # The wrapper imports this module in every revision: its name must not follow the path.
    module = output / "api" / "profiles" / "create_or_update_profile.py"
    assert module.is_file()
    text = module.read_text(encoding="utf-8")
    assert '"url": "/api/profile-import/"' in text
    assert 'headers["Content-Type"] = "application/json"' in text


# --------------------------------------------------------------------------------------------
# A source given as a URL


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@contextlib.contextmanager
def _serve(directory: Path) -> Iterator[str]:
    """``directory`` served over HTTP on loopback; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def served_specs(klaviyo_specs: Path) -> Iterator[str]:
    """Klaviyo's spec folder served over HTTP on loopback; yields the base URL."""
    with _serve(klaviyo_specs) as base_url:
        yield base_url


def test_a_url_source_gives_the_same_fragment_as_the_file(
    served_specs: str,
    klaviyo_specs: Path,
    fragment: dict[str, Any],
    spec_copy: Path,
    fragment_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A proxy configured for the machine must not intercept loopback.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    url = f"{served_specs}/{STABLE_FILE.as_posix()}"
    from_url = update_revision.build_fragment(url, revision=None, current=fragment)
    from_file = update_revision.build_fragment(
        klaviyo_specs / STABLE_FILE, revision=None, current=fragment
    )
    assert from_url == from_file

    code = update_revision.main(["--source", url, "--spec", str(spec_copy), "--dry-run"])
    assert code == 0
    assert "(no change in facts)" in capsys.readouterr().out
    assert spec_copy.read_bytes() == fragment_path.read_bytes()


@pytest.mark.parametrize("kind", ["url", "path"])
def test_an_unreadable_source_is_reported_in_one_line(
    kind: str,
    spec_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with _serve(tmp_path) as base_url:
        source = f"{base_url}/no-such.json" if kind == "url" else str(tmp_path / "no-such.json")
        code = update_revision.main(["--source", source, "--spec", str(spec_copy), "--dry-run"])
    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {source}: cannot ")
    assert ("404" if kind == "url" else "No such file") in error


# --------------------------------------------------------------------------------------------
# What the changelog says about operations and limits, and when the script fails


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            "operation_ids_renamed",
            [
                f"renamed  operation {old} -> {role} (generated by its role)"
                for role, old in OLD_OPERATION_IDS.items()
            ],
        ),
        (
            "job_operations_removed",
            [f"removed  operation {role}" for role in OLD_OPERATION_IDS],
        ),
        (
            "item_payload_limit_removed",
            [
                "no longer stated: bulk_import_profiles item_payload_limit_bytes (was 100KB); "
                "100KB from revision 2026-07-15 stands in",
                f"Limits revision {MUTATED_REVISION} does not state (generated with another's "
                "figure):\n  bulk_import_profiles item_payload_limit_bytes: 100KB (revision "
                "2026-07-15's figure)",
            ],
        ),
    ],
)
def test_changelog_names_renamed_and_removed_operations_and_limits_no_longer_stated(
    mutation: str,
    expected: list[str],
    klaviyo_specs: Path,
    load_spec: Loader,
    spec_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = mutated(load_spec(klaviyo_specs / STABLE_FILE), mutation, tmp_path / "next.json")
    code = update_revision.main(
        [
            *("--source", str(source), "--spec", str(spec_copy)),
            *("--revision", MUTATED_REVISION, "--dry-run"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    for line in expected:
        assert line in printed


def test_a_revision_without_jobs_is_written_and_generated_with_exit_status_0(
    klaviyo_specs: Path,
    load_spec: Loader,
    spec_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = mutated(
        load_spec(klaviyo_specs / STABLE_FILE), "job_operations_removed", tmp_path / "next.json"
    )
    output = tmp_path / "out" / PACKAGE
    code = update_revision.main(
        ["--source", str(source), "--spec", str(spec_copy), "--output", str(output)]
    )
    assert code == 0
    assert "removed  operation bulk_import_profiles" in capsys.readouterr().out
    modules = sorted(path.name for path in (output / "api" / "profiles").glob("*.py"))
    assert modules == ["__init__.py", "create_or_update_profile.py"]


def test_a_revision_without_the_profile_import_call_fails_with_exit_status_2(
    klaviyo_specs: Path,
    load_spec: Loader,
    spec_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = load_spec(klaviyo_specs / STABLE_FILE)
    del document["paths"]["/api/profile-import"]
    source = tmp_path / "next.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    before = spec_copy.read_bytes()
    code = update_revision.main(["--source", str(source), "--spec", str(spec_copy)])
    assert code == 2
    assert capsys.readouterr().err.startswith(
        "error: no operation 'create_or_update_profile' (POST /api/profile-import)"
    )
    assert spec_copy.read_bytes() == before


# --------------------------------------------------------------------------------------------
# All or nothing


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def old_output(tmp_path: Path) -> Path:
    """A generated package in place (a stand-in: only its bytes matter here)."""
    output = tmp_path / "out" / PACKAGE
    (output / "api").mkdir(parents=True)
    (output / "facts.py").write_text('REVISION = "2026-07-15"\n', encoding="utf-8")
    (output / "api" / "__init__.py").write_text("", encoding="utf-8")
    return output


def test_a_failed_generation_leaves_spec_and_generated_as_they_were(
    klaviyo_specs: Path,
    load_spec: Loader,
    spec_copy: Path,
    old_output: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails(*args: object) -> None:
        raise spec_tools.SpecError("openapi-python-client failed: the generator gave up")

    monkeypatch.setattr(generate, "_run_openapi_python_client", fails)
    source = mutated(
        load_spec(klaviyo_specs / STABLE_FILE), "enum_value_added", tmp_path / "n.json"
    )
    spec_before, output_before = spec_copy.read_bytes(), _tree_bytes(old_output)

    code = update_revision.main(
        [
            *("--source", str(source), "--spec", str(spec_copy)),
            *("--output", str(old_output), "--revision", MUTATED_REVISION),
        ]
    )

    assert code == 2
    assert capsys.readouterr().err == (
        "error: openapi-python-client failed: the generator gave up\n"
    )
    assert spec_copy.read_bytes() == spec_before
    assert _tree_bytes(old_output) == output_before
    assert sorted(p.name for p in spec_copy.parent.iterdir()) == [spec_copy.name]
    assert sorted(p.name for p in old_output.parent.iterdir()) == [PACKAGE]


@pytest.mark.generation
def test_a_profile_import_call_the_generator_cannot_produce_fails_and_writes_nothing(
    klaviyo_specs: Path,
    load_spec: Loader,
    spec_copy: Path,
    old_output: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = load_spec(klaviyo_specs / STABLE_FILE)
    _, _, operation = spec_tools.find_operation(document)
    (media,) = operation["requestBody"]["content"].values()
    operation["requestBody"]["content"] = {"application/xml": media}
    source = tmp_path / "next.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    spec_before, output_before = spec_copy.read_bytes(), _tree_bytes(old_output)

    code = update_revision.main(
        ["--source", str(source), "--spec", str(spec_copy), "--output", str(old_output)]
    )

    assert code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(
        "error: create_or_update_profile (POST /api/profile-import) cannot be served: "
        "openapi-python-client did not generate it ("
    )
    assert "Unsupported content type application/xml" in error
    assert spec_copy.read_bytes() == spec_before
    assert _tree_bytes(old_output) == output_before


def test_a_required_parameter_the_client_does_not_send_fails_the_update_in_a_dry_run_too(
    klaviyo_specs: Path,
    load_spec: Loader,
    spec_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = load_spec(klaviyo_specs / STABLE_FILE)
    _, _, operation = spec_tools.find_operation(document)
    operation["parameters"].append(
        {"name": "company_id", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    source = tmp_path / "next.json"
    source.write_text(json.dumps(document), encoding="utf-8")

    code = update_revision.main(["--source", str(source), "--spec", str(spec_copy), "--dry-run"])

    assert code == 2
    printed = capsys.readouterr()
    assert "cannot send: create_or_update_profile requires query parameter company_id" in (
        printed.out
    )
    assert printed.err == (
        "error: create_or_update_profile requires query parameter company_id, which the client "
        "does not send: the call cannot be served\n"
    )


# --------------------------------------------------------------------------------------------
# Sources: credentials, plain http, malformed documents

PASSWORD = "s3cret-pw"
TOKEN = "t0ken-4f9a"


def _secret_url(base_url: str, path: str) -> str:
    host = base_url.removeprefix("http://")
    return f"http://reader:{PASSWORD}@{host}/{path}?token={TOKEN}&v=2"


@pytest.mark.parametrize("found", [True, False])
def test_credentials_in_a_source_url_are_never_shown(
    found: bool,
    served_specs: str,
    spec_copy: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    url = _secret_url(served_specs, STABLE_FILE.as_posix() if found else "no-such.json")

    code = update_revision.main(["--source", url, "--spec", str(spec_copy), "--dry-run"])

    assert code == (0 if found else 2)
    printed = capsys.readouterr()
    shown = printed.out + printed.err
    assert PASSWORD not in shown and TOKEN not in shown and "reader" not in shown
    masked = f"http://***@127.0.0.1:{served_specs.rsplit(':', 1)[1]}/"
    assert masked in shown and "?token=***&v=***" in shown
    if not found:
        assert printed.err.startswith("error: http://***@") and "HTTP 404" in printed.err


def test_plain_http_off_this_machine_is_refused_before_anything_is_sent(
    spec_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = update_revision.main(
        ["--source", "http://specs.example.invalid/stable.json", "--spec", str(spec_copy)]
    )
    assert code == 2
    assert capsys.readouterr().err == (
        "error: http://specs.example.invalid/stable.json: plain http is refused "
        "(use https; http only on loopback)\n"
    )


class _Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://specs.example.invalid/stable.json")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_redirect_to_plain_http_off_this_machine_is_refused(
    spec_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/stable.json"
        code = update_revision.main(["--source", url, "--spec", str(spec_copy), "--dry-run"])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: {url}: redirected to plain http (http://specs.example.invalid); refused\n"
    )


def _malformed(name: str, stable: dict[str, Any]) -> str:
    """The text of a source broken the way ``name`` says."""
    if name == "truncated JSON":
        return json.dumps(stable)[:5000]
    if name == "bad YAML":
        return "openapi: 3.0.2\npaths: [\n  - {\n"
    if name == "paths a list":
        stable["paths"] = list(stable["paths"])
    elif name == "parameters a mapping":
        _, _, operation = spec_tools.find_operation(stable)
        operation["parameters"] = {"revision": operation["parameters"][0]}
    elif name == "no security schemes":
        del stable["components"]["securitySchemes"]
    elif name == "properties a list":
        stable["components"]["schemas"]["ProfileUpsertQuery"]["properties"] = ["data"]
    return json.dumps(stable)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("truncated JSON", "next.json: not valid JSON (Unterminated string"),
        ("bad YAML", "next.json: not valid YAML ("),
        ("paths a list", "'paths' is not a mapping of paths to path items"),
        (
            "parameters a mapping",
            "not a usable OpenAPI operation: paths./api/profile-import.post.parameters: ",
        ),
        ("no security schemes", "the security scheme 'Klaviyo-API-Key', which components/"),
        (
            "properties a list",
            "not a usable OpenAPI document: components.schemas.ProfileUpsertQuery",
        ),
    ],
)
def test_a_malformed_source_is_one_error_line_and_exit_status_2(
    name: str,
    says: str,
    klaviyo_specs: Path,
    load_spec: Loader,
    spec_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "next.json"
    source.write_text(_malformed(name, load_spec(klaviyo_specs / STABLE_FILE)), encoding="utf-8")

    code = update_revision.main(["--source", str(source), "--spec", str(spec_copy), "--dry-run"])

    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1, error
    assert says in error

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

"""``generate.py --check`` guards generated/, and generation is reproducible.

The hand edits happen on a copy of generated/ in a temporary folder (``--output``); the real
tree is only ever read.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import generate
import pytest
import spec_tools

PACKAGE = generate.PACKAGE


def _run_check(repo_root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo_root / "scripts" / "generate.py"), "--check", *extra],
        capture_output=True,
        text=True,
        cwd=repo_root,
        check=False,
    )


def test_check_passes_on_the_committed_tree(repo_root: Path) -> None:
    result = _run_check(repo_root)
    assert result.returncode == 0, result.stderr
    assert "generated/ matches profile-import.yaml" in result.stdout


def test_check_fails_with_a_readable_summary_after_hand_edits(
    repo_root: Path, tmp_path: Path
) -> None:
    copy = tmp_path / PACKAGE
    shutil.copytree(
        repo_root / "generated" / PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    facts = copy / "facts.py"
    facts.write_text(
        facts.read_text(encoding="utf-8").replace("STEADY_LIMIT = 750", "STEADY_LIMIT = 9999"),
        encoding="utf-8",
    )
    assert "9999" in facts.read_text(encoding="utf-8"), "the edit must have happened"
    (copy / "models" / "subscriptions.py").unlink()
    (copy / "helpers.py").write_text("X = 1\n", encoding="utf-8")

    result = _run_check(repo_root, "--output", str(copy))

    assert result.returncode == 1
    summary = result.stderr
    assert "3 file(s) differ" in summary
    assert "differs: facts.py" in summary
    # The diff itself is shown: the committed line and the line spec/ produces.
    assert "-STEADY_LIMIT = 9999" in summary
    assert "+STEADY_LIMIT = 750" in summary
    assert "missing from generated/: models/subscriptions.py" in summary
    assert "not produced by spec/ (hand-added?): helpers.py" in summary
    assert "python scripts/generate.py" in summary  # says how to fix it
    assert result.stdout.count("matches") == 0


def test_check_fails_on_a_whitespace_only_edit(repo_root: Path, tmp_path: Path) -> None:
    copy = tmp_path / PACKAGE
    shutil.copytree(
        repo_root / "generated" / PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    client = copy / "client.py"
    client.write_bytes(client.read_bytes() + b"\n")
    result = _run_check(repo_root, "--output", str(copy))
    assert result.returncode == 1
    assert "differs: client.py" in result.stderr


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def two_generations(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> list[Path]:
    """The project's fragment generated twice, into folders at different depths."""
    spec = repo_root / "spec" / "profile-import.yaml"
    first = tmp_path_factory.mktemp("first") / PACKAGE
    second = tmp_path_factory.mktemp("second") / "deeper" / "still" / PACKAGE
    generate.generate(spec, first)
    generate.generate(spec, second)
    return [first, second]


def test_two_consecutive_generations_are_byte_identical(two_generations: list[Path]) -> None:
    first, second = (_files(folder) for folder in two_generations)
    assert len(first) > 20
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_generated_code_holds_no_machine_paths(
    two_generations: list[Path], repo_root: Path
) -> None:
    forbidden = {
        "/tmp",
        "/work",
        "/root",
        "/home/",
        str(Path.home()),
        tempfile.gettempdir(),
        str(repo_root),
        *(str(folder) for folder in two_generations),
    }
    for name, content in _files(two_generations[0]).items():
        text = content.decode("utf-8")
        found = sorted(marker for marker in forbidden if marker in text)
        assert not found, f"{name} contains {found}"


def test_generated_code_holds_no_timestamps(two_generations: list[Path], repo_root: Path) -> None:
    today = datetime.date.today().isoformat()
    revision = spec_tools.load_document(repo_root / "spec" / "profile-import.yaml")["info"][
        "version"
    ]
    stamp = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
    header = re.compile(r"^#\s*(timestamp|generated (at|on))\b", re.I | re.M)
    for name, content in _files(two_generations[0]).items():
        text = content.decode("utf-8")
        assert not stamp.search(text), f"{name}: {stamp.search(text)}"
        assert not header.search(text), name
        if today != revision:  # the revision is a date too, and may be today's
            assert today not in text, name

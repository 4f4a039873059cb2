"""A new package and fragment go in place together, or not at all, whenever the process dies.

The old checkout is a package folder and a spec file saying "old"; the new one says "new". A
child process runs ``swap.install`` and kills itself (SIGKILL: no ``finally``, no ``except``)
just before its n-th change to the file system; then ``swap.recover``, which the scripts run
first, must leave one whole checkout, old or new, never a mix and never a part."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import generate
import pytest
import spec_tools
import swap

SCRIPTS = Path(swap.__file__).resolve().parent
FILES = ("facts.py", "api/profiles/create_or_update_profile.py", "models/__init__.py")

# Runs in the child: every call that changes the file system counts, and the n-th kills.
CHILD = textwrap.dedent(
    """
    import os, shutil, signal, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import swap

    kill_at = int(sys.argv[2])
    calls = 0

    def counted(function):
        def call(*args, **kwargs):
            global calls
            calls += 1
            if calls == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)
        return call

    os.rename = counted(os.rename)
    os.replace = counted(os.replace)
    shutil.rmtree = counted(shutil.rmtree)
    out, package, spec, new_spec = (Path(arg) for arg in sys.argv[3:7])
    swap.install(package, out, new_spec=new_spec, spec=spec)
    print(calls)
    """
)


def _tree(folder: Path, word: str) -> None:
    for name in FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"{word} {name}\n", encoding="utf-8")


def _state(out: Path, spec: Path) -> str:
    """ "old" or "new" when the package and the spec are both whole and agree; else what is
    wrong."""
    words = {spec.read_text(encoding="utf-8").strip()}
    for name in FILES:
        path = out / name
        words.add(path.read_text(encoding="utf-8").split()[0] if path.is_file() else "missing")
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    if found != sorted(FILES):
        return f"files {found}"
    return words.pop() if len(words) == 1 else f"mixed {sorted(words)}"


def _checkout(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    out = tmp_path / "generated" / generate.PACKAGE
    spec = tmp_path / "spec" / "profile-import.yaml"
    _tree(out, "old")
    spec.parent.mkdir()
    spec.write_text("old\n", encoding="utf-8")
    package = swap.staging_folder(out) / generate.PACKAGE
    _tree(package, "new")
    new_spec = swap.staged_spec(spec)
    new_spec.write_text("new\n", encoding="utf-8")
    return out, package, spec, new_spec


def _install(tmp_path: Path, kill_at: int) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    out, package, spec, new_spec = _checkout(tmp_path)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(SCRIPTS), str(kill_at)]
        + [str(path) for path in (out, package, spec, new_spec)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return child, out, spec


def test_an_install_left_alone_puts_the_new_checkout_in_place_and_nothing_else(
    tmp_path: Path,
) -> None:
    child, out, spec = _install(tmp_path, kill_at=0)
    assert child.returncode == 0, child.stderr
    assert _state(out, spec) == "new"
    # The staging folder is left empty, for its creator to remove.
    assert not [p for p in swap.staging_folder(out).rglob("*")]
    assert sorted(p.name for p in out.parent.iterdir() if p != swap.staging_folder(out)) == [
        generate.PACKAGE
    ]
    assert sorted(p.name for p in spec.parent.iterdir()) == [spec.name]


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4])
def test_a_kill_at_any_step_of_an_install_leaves_the_old_or_the_new_checkout_whole(
    kill_at: int, tmp_path: Path
) -> None:
    child, out, spec = _install(tmp_path, kill_at)
    assert child.returncode == -signal.SIGKILL, (child.stdout, child.stderr)

    swap.recover(out, spec)

    # Killed before the fragment is replaced: the old checkout; after: the new one.
    assert _state(out, spec) == ("old" if kill_at <= 3 else "new")
    assert sorted(p.name for p in out.parent.iterdir()) == [generate.PACKAGE]
    assert sorted(p.name for p in spec.parent.iterdir()) == [spec.name]


def test_a_failed_build_never_touches_the_package_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "generated" / generate.PACKAGE
    _tree(out, "old")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def half_a_package(spec_file: Path, package: Path) -> list[str]:
        _tree(package, "new")
        (package / "facts.py").unlink()
        raise spec_tools.SpecError("the generator stopped half-way")

    monkeypatch.setattr(generate, "build", half_a_package)
    with pytest.raises(spec_tools.SpecError):
        generate.generate(tmp_path / "unused.yaml", out)

    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.parent.iterdir()) == [generate.PACKAGE]
